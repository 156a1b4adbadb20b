"""A newsroom's social accounts on loopback: the fake X API and a webhook receiver over real
HTTPS (a throw-away CA from fakes/testca.py), a config with one account of each, and helpers to
read what they received. Used by the syndication integration, crash and latency tests.

    env = SocialEnv()                       # starts both fakes
    env = SocialEnv(networks=("x", "webhook", "mastodon", "telegram"))
                                            # also fake_mastodon.py and fake_telegram.py: the
                                            # config gains accounts masto and tg
    config = env.write_config(store_dir)    # accounts x_main and hook (+ extra TOML)
    daemon = Daemon(store_dir, config=config, env=env.daemon_env())
    env.tweets(); env.deliveries(); env.fail_x({"status": 503, "count": 2})
    env.close()
"""
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FAKES = os.path.join(HERE, "fakes")
sys.path.insert(0, FAKES)
import testca  # noqa: E402

X_CREDENTIALS = {"consumer_key": "ck-test", "consumer_secret": "cs-test",
                 "access_token": "at-test", "access_token_secret": "ats-test"}
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MASTODON_TOKEN = "masto-token-test"
TELEGRAM_TOKEN = "123456:ABC-telegram-test"
TELEGRAM_CHAT_ID = "-1001234567890"
# The fake's lookup chat (a private chat with an editor): the tg account's lookup_chat_id option
# makes its recovery a lookup (forwardMessage into that chat) instead of a resend.
TELEGRAM_LOOKUP_CHAT_ID = "555000111"
DEFAULT_NETWORKS = ("x", "webhook")


class Fake:
    """One fake service process (fake_x.py or fake_webhook.py)."""

    def __init__(self, script, args, workdir, name):
        self.port_file = os.path.join(workdir, name + ".port")
        self.log_path = os.path.join(workdir, name + ".log")
        self.args = [sys.executable, os.path.join(FAKES, script), "--port-file", self.port_file] + args
        self.log = open(self.log_path, "w")
        self.proc = None
        self.port = None
        self.start()

    def start(self, port=0):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.proc = subprocess.Popen(self.args + ["--port", str(port)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited: %s" % (self.args[1], open(self.log_path).read()))
            time.sleep(0.02)
        raise RuntimeError("%s did not start" % self.args[1])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class SocialEnv:
    def __init__(self, x_args=(), webhook_args=(), networks=DEFAULT_NETWORKS, mastodon_args=(),
                 telegram_args=()):
        """`networks` chooses the fakes (and so the accounts of write_config): x and webhook
        always (the accounts x_main and hook), mastodon (account masto) and telegram (account
        tg) when named."""
        unknown = set(networks) - {"x", "webhook", "mastodon", "telegram"}
        if unknown or not {"x", "webhook"} <= set(networks):
            raise ValueError("networks: x and webhook, optionally mastodon and telegram; got %r"
                             % (networks,))
        self.networks = tuple(networks)
        self.masto = None
        self.tg = None
        self.dir = tempfile.mkdtemp(prefix="syndicated-social-")
        self.certs = testca.make(os.path.join(self.dir, "certs"))
        self.ca = os.path.join(self.certs, "ca.pem")
        self.context = ssl.create_default_context(cafile=self.ca)
        c = X_CREDENTIALS
        self.x = Fake("fake_x.py", ["--certs", self.certs, "--consumer-key", c["consumer_key"],
                                    "--consumer-secret", c["consumer_secret"],
                                    "--token", c["access_token"],
                                    "--token-secret", c["access_token_secret"],
                                    "--state", os.path.join(self.dir, "x-state.json")]
                      + list(x_args), self.dir, "x")
        self.hook = Fake("fake_webhook.py", ["--certs", self.certs, "--secret", WEBHOOK_SECRET,
                                             "--state", os.path.join(self.dir, "hook-state.json")]
                         + list(webhook_args), self.dir, "hook")
        if "mastodon" in networks:
            self.masto = Fake("fake_mastodon.py",
                              ["--certs", self.certs, "--token", MASTODON_TOKEN,
                               "--state", os.path.join(self.dir, "mastodon-state.json")]
                              + list(mastodon_args), self.dir, "mastodon")
        if "telegram" in networks:
            self.tg = Fake("fake_telegram.py",
                           ["--certs", self.certs, "--token", TELEGRAM_TOKEN,
                            "--chat-id", TELEGRAM_CHAT_ID,
                            "--lookup-chat-id", TELEGRAM_LOOKUP_CHAT_ID,
                            "--state", os.path.join(self.dir, "telegram-state.json")]
                           + list(telegram_args), self.dir, "telegram")
        with open(os.path.join(self.dir, "x-api.toml"), "w") as f:
            for k, v in X_CREDENTIALS.items():
                f.write('%s = "%s"\n' % (k, v))

    # --- the daemon's side -------------------------------------------------------------------
    def write_config(self, store, extra="", x_account="", hook_account="", site="", name="config",
                     database=None, masto_account="", tg_account=""):
        """A config serving `store` with accounts x_main (X) and hook (webhook), and masto
        (Mastodon) and tg (Telegram) when the env runs those fakes. `x_account`, `hook_account`,
        `masto_account` and `tg_account` are extra TOML lines inside each account's table (a
        min_spacing_s, backoff_base_s or backoff_cap_s there replaces the fast default); `extra`
        is appended.
        `name` names the file (<name>.toml next to x-api.toml); `database` the ledger (default
        self.database; give each test its own to start from a first start)."""
        path = os.path.join(self.dir, name + ".toml")

        def defaults(lines):  # fast pacing and backoff, unless the account's lines set them
            given = {line.split("=")[0].strip() for line in lines.splitlines() if "=" in line}
            return "\n".join("%s = %d" % (k, v) for k, v in
                             (("min_spacing_s", 0), ("backoff_base_s", 1), ("backoff_cap_s", 2),
                              ("timeout_s", 10))
                             if k not in given)
        text = """
[site]
title = "Example News"
base_url = "https://news.example.az/"
{site}
[store]
path = "{store}"
debounce_ms = 5

[server]
listen = "127.0.0.1:0"

[outbox]
database = "{db}"
rescan_interval_s = 1

[accounts.x_main]
network = "x"
credentials = "file:x-api.toml"
base_url = "https://localhost:{xport}"
ca_file = "{ca}"
{x_defaults}
{x_account}

[accounts.hook]
network = "webhook"
url = "https://localhost:{hport}/hook"
ca_file = "{ca}"
credentials.secret = "env:SYNDICATED_TEST_WEBHOOK_SECRET"
{hook_defaults}
{hook_account}
{more_accounts}
{extra}
""".format(store=store, db=database or self.database, x_defaults=defaults(x_account),
           hook_defaults=defaults(hook_account), xport=self.x.port,
           hport=self.hook.port, ca=self.ca, x_account=x_account, hook_account=hook_account,
           extra=extra, site=site, more_accounts=self._more_accounts(
               defaults, masto_account, tg_account))
        with open(path, "w") as f:
            f.write(text)
        return path

    def _more_accounts(self, defaults, masto_account, tg_account):
        text = ""
        if self.masto is not None:
            text += """
[accounts.masto]
network = "mastodon"
base_url = "https://localhost:{port}"
ca_file = "{ca}"
credentials.access_token = "env:SYNDICATED_TEST_MASTODON_TOKEN"
{defaults}
{lines}
""".format(port=self.masto.port, ca=self.ca, defaults=defaults(masto_account),
           lines=masto_account)
        if self.tg is not None:
            text += """
[accounts.tg]
network = "telegram"
base_url = "https://localhost:{port}"
ca_file = "{ca}"
chat_id = "{chat}"
credentials.bot_token = "env:SYNDICATED_TEST_TELEGRAM_TOKEN"
{defaults}
{lines}
""".format(port=self.tg.port, ca=self.ca, chat=TELEGRAM_CHAT_ID, defaults=defaults(tg_account),
           lines=tg_account)
        return text

    @property
    def accounts(self):
        """The account names write_config writes, in order."""
        names = ["x_main", "hook"]
        if self.masto is not None:
            names.append("masto")
        if self.tg is not None:
            names.append("tg")
        return names

    def daemon_env(self):
        env = {"SYNDICATED_TEST_WEBHOOK_SECRET": WEBHOOK_SECRET}
        if self.masto is not None:
            env["SYNDICATED_TEST_MASTODON_TOKEN"] = MASTODON_TOKEN
        if self.tg is not None:
            env["SYNDICATED_TEST_TELEGRAM_TOKEN"] = TELEGRAM_TOKEN
        return env

    @property
    def database(self):
        return os.path.join(self.dir, "outbox.sqlite")

    # --- what the networks saw ---------------------------------------------------------------
    def _call(self, port, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request("https://localhost:%d%s" % (port, path), data=data,
                                     method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
        with urllib.request.urlopen(req, context=self.context, timeout=10) as resp:
            return json.loads(resp.read() or b"null")

    def tweets(self, include_deleted=True):
        tweets = self._call(self.x.port, "GET", "/_fake/tweets")["tweets"]
        return [t for t in tweets if include_deleted or not t.get("deleted")]

    def deliveries(self):
        """Unique deliveries the receiver recorded (deduplicated by webhook-id)."""
        return self._call(self.hook.port, "GET", "/_fake/deliveries")["deliveries"]

    def fail_x(self, spec):
        return self._call(self.x.port, "POST", "/_fake/fail", spec)

    def fail_hook(self, spec):
        return self._call(self.hook.port, "POST", "/_fake/fail", spec)

    def x_requests(self):
        """The requests the fake X API answered: method, path, status."""
        return self._call(self.x.port, "GET", "/_fake/requests")["requests"]

    def hook_attempts(self):
        """Every request the receiver answered (verified or not): webhook_id, status, reason."""
        return self._call(self.hook.port, "GET", "/_fake/deliveries")["attempts"]

    def reset_x(self):
        """The fake X API forgets its tweets, requests and injected failures."""
        self._call(self.x.port, "POST", "/_fake/reset", {})

    def reset_hook(self):
        """The receiver forgets its deliveries, attempts and injected failures."""
        self._call(self.hook.port, "POST", "/_fake/reset", {})

    # --- Mastodon and Telegram (SocialEnv(networks=(..., "mastodon", "telegram"))) ---------
    def statuses(self, include_deleted=True):
        """Every status fake_mastodon.py created: id, text, visibility, language, media_ids,
        idempotency_key, deleted."""
        statuses = self._call(self.masto.port, "GET", "/_fake/statuses")["statuses"]
        return [s for s in statuses if include_deleted or not s.get("deleted")]

    def mastodon_requests(self):
        """The requests the fake Mastodon answered: method, path, status, idempotency_key."""
        return self._call(self.masto.port, "GET", "/_fake/requests")["requests"]

    def fail_mastodon(self, spec):
        return self._call(self.masto.port, "POST", "/_fake/fail", spec)

    def messages(self, include_deleted=True):
        """Every message fake_telegram.py accepted: message_id, method, text (plain), html,
        entities, photo, link_preview_options, deleted."""
        messages = self._call(self.tg.port, "GET", "/_fake/messages")["messages"]
        return [m for m in messages if include_deleted or not m.get("deleted")]

    def telegram_requests(self):
        """The requests the fake Telegram answered: method, path (token redacted), status."""
        return self._call(self.tg.port, "GET", "/_fake/requests")["requests"]

    def fail_telegram(self, spec):
        return self._call(self.tg.port, "POST", "/_fake/fail", spec)

    def telegram_lookup_copies(self):
        """The lookup chat's messages (the copies forwardMessage made), deleted ones included."""
        return self._call(self.tg.port, "GET", "/_fake/lookup")["messages"]

    def post_telegram(self, spec):
        """Someone else posts in the channel: {"text": ...} or {"html": ...}, "service": true
        for a service message (it cannot be forwarded)."""
        return self._call(self.tg.port, "POST", "/_fake/post", spec)

    def reset(self):
        self.reset_x()
        self.reset_hook()
        for fake in (self.masto, self.tg):
            if fake is not None:
                self._call(fake.port, "POST", "/_fake/reset", {})

    def close(self):
        fakes = [f for f in (self.x, self.hook, self.masto, self.tg) if f is not None]
        for f in fakes:
            f.stop()
        for f in fakes:
            f.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def article_text(article_id, title, published, language="en", categories=("Politics",),
                 tags=("budget",), status="published", summary="A short summary of the story."):
    """An article file in the store's Markdown + TOML front matter format."""
    cats = ", ".join('"%s"' % c for c in categories)
    tg = ", ".join('"%s"' % t for t in tags)
    return """+++
id = "{id}"
title = "{title}"
summary = "{summary}"
published = {published}
language = "{language}"
status = "{status}"
categories = [{cats}]
tags = [{tags}]

[[authors]]
name = "Test Reporter"
+++

The body of {id}.
""".format(id=article_id, title=title, summary=summary, published=published,
           language=language, status=status, cats=cats, tags=tg)


def write_article(store, relpath, text):
    """Writes an article the way editors' tools do: a temporary file renamed into place."""
    path = os.path.join(store, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)
    return path
