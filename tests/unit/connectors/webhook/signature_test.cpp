// Standard Webhooks v1 and GitHub X-Hub-Signature-256 signing and verification, against the
// published vectors in shared/testdata/social/webhook-signature-vectors.json.
#include "connectors/webhook/signature.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace syndicated::connectors::webhook {
namespace {

nlohmann::json load_vectors() {
  const char* env = std::getenv("SYNDICATED_SHARED_DIR");
  const std::string dir = env != nullptr && *env != '\0' ? env : SYNDICATED_SHARED_DIR;
  const std::string path = dir + "/testdata/social/webhook-signature-vectors.json";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

TEST(StandardWebhooksVectors, SignsThePublishedVector) {
  const auto v = load_vectors().at("standard_webhooks_v1");
  auto signer = StandardWebhooksSigner::from_secrets(v.at("secret").get<std::string>());
  ASSERT_TRUE(signer) << signer.error().message;
  const std::string id = v.at("webhook_id");
  const std::int64_t ts = v.at("webhook_timestamp");
  const std::string payload = v.at("payload");
  EXPECT_EQ(StandardWebhooksSigner::signed_content(id, ts, payload),
            v.at("signed_content").get<std::string>());
  EXPECT_EQ(signer->sign(id, ts, payload), v.at("expected_webhook_signature_header"));
}

TEST(StandardWebhooksVectors, VerifiesThePublishedVectorWithinTolerance) {
  const auto v = load_vectors().at("standard_webhooks_v1");
  auto signer = StandardWebhooksSigner::from_secrets(v.at("secret").get<std::string>());
  ASSERT_TRUE(signer);
  const std::string id = v.at("webhook_id");
  const std::int64_t ts = v.at("webhook_timestamp");
  const std::string header = v.at("expected_webhook_signature_header");
  const std::string payload = v.at("payload");
  const std::string ts_text = std::to_string(ts);

  EXPECT_TRUE(signer->verify(id, ts_text, payload, header, core::Timestamp{ts + 299, 0, 0}));
  EXPECT_TRUE(signer->verify(id, ts_text, payload, header, core::Timestamp{ts - 299, 0, 0}));

  auto old = signer->verify(id, ts_text, payload, header, core::Timestamp{ts + 301, 0, 0});
  ASSERT_FALSE(old);
  EXPECT_NE(old.error().message.find("too old"), std::string::npos);
  auto future = signer->verify(id, ts_text, payload, header, core::Timestamp{ts - 301, 0, 0});
  ASSERT_FALSE(future);
  EXPECT_NE(future.error().message.find("too new"), std::string::npos);

  const core::Timestamp now{ts, 0, 0};
  EXPECT_FALSE(signer->verify(id, ts_text, payload + " ", header, now));  // body changed
  EXPECT_FALSE(signer->verify(id + "x", ts_text, payload, header, now));  // id changed
  EXPECT_FALSE(signer->verify(id, std::to_string(ts + 1), payload, header, now));
  EXPECT_FALSE(signer->verify(id, "1614265330.5", payload, header, now));
  EXPECT_FALSE(signer->verify(id, ts_text, payload, "", now));
  EXPECT_FALSE(signer->verify("", ts_text, payload, header, now));
}

TEST(StandardWebhooksSigner, AnotherSecretDoesNotVerify) {
  const auto v = load_vectors().at("standard_webhooks_v1");
  auto other = StandardWebhooksSigner::from_secrets("whsec_" + base64_encode(std::string(24, 'k')));
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->matches(v.at("webhook_id").get<std::string>(),
                              std::to_string(v.at("webhook_timestamp").get<std::int64_t>()),
                              v.at("payload").get<std::string>(),
                              v.at("expected_webhook_signature_header").get<std::string>()));
}

TEST(StandardWebhooksSigner, SecretWithoutPrefixIsBase64LikeTheReferenceLibraries) {
  const auto v = load_vectors().at("standard_webhooks_v1");
  std::string secret = v.at("secret");
  auto with = decode_standard_secret(secret);
  auto without = decode_standard_secret(secret.substr(6));
  ASSERT_TRUE(with);
  ASSERT_TRUE(without);
  EXPECT_EQ(*with, *without);
  EXPECT_EQ(with->size(), 24u);
}

TEST(StandardWebhooksSigner, RejectsSecretsThatAreNotBase64WithoutEchoingThem) {
  for (const std::string bad : {"whsec_not base64!", "whsec_", "", "whsec_a", "whsec_ab=c"}) {
    auto key = decode_standard_secret(bad);
    ASSERT_FALSE(key) << bad;
    if (bad.size() > 8) {  // long enough not to occur in the message by chance
      EXPECT_EQ(key.error().message.find(bad.substr(6)), std::string::npos) << bad;
    }
  }
  EXPECT_FALSE(StandardWebhooksSigner::from_secrets("   "));
  auto second = StandardWebhooksSigner::from_secrets("whsec_AAAA whsec_%%%%");
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("secret 2 of 2"), std::string::npos);
}

TEST(StandardWebhooksSigner, RotationSignsWithEveryKeyAndVerifiesWithAny) {
  const std::string a = "whsec_" + base64_encode(std::string(24, 'a'));
  const std::string b = "whsec_" + base64_encode(std::string(32, 'b'));
  auto both = StandardWebhooksSigner::from_secrets(a + " " + b);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->key_count(), 2u);
  const std::string header = both->sign("msg_1", 1700000000, "{}");
  // Two space-delimited v1 entries, the first secret's first.
  auto only_a = StandardWebhooksSigner::from_secrets(a);
  auto only_b = StandardWebhooksSigner::from_secrets(b);
  ASSERT_TRUE(only_a);
  ASSERT_TRUE(only_b);
  EXPECT_EQ(header, only_a->sign("msg_1", 1700000000, "{}") + " " +
                        only_b->sign("msg_1", 1700000000, "{}"));
  // A receiver that knows either key accepts; one that knows neither does not.
  EXPECT_TRUE(only_a->matches("msg_1", "1700000000", "{}", header));
  EXPECT_TRUE(only_b->matches("msg_1", "1700000000", "{}", header));
  auto neither = StandardWebhooksSigner::from_secrets("whsec_" + base64_encode("cccccccccccc"));
  ASSERT_TRUE(neither);
  EXPECT_FALSE(neither->matches("msg_1", "1700000000", "{}", header));
  // A receiver holding both keys accepts a message signed by the old one alone.
  EXPECT_TRUE(both->matches("msg_1", "1700000000", "{}", only_b->sign("msg_1", 1700000000, "{}")));
}

TEST(StandardWebhooksSigner, SkipsOtherVersionsAndMalformedEntries) {
  auto signer = StandardWebhooksSigner::from_secrets("whsec_" + base64_encode("0123456789abcdef"));
  ASSERT_TRUE(signer);
  const std::string good = signer->sign("msg_2", 10, "x");
  const std::string sig = good.substr(3);  // the base64 part
  EXPECT_FALSE(signer->matches("msg_2", "10", "x", "v1a," + sig));
  EXPECT_FALSE(signer->matches("msg_2", "10", "x", "v2," + sig));
  EXPECT_FALSE(signer->matches("msg_2", "10", "x", sig));
  EXPECT_TRUE(signer->matches("msg_2", "10", "x", "garbage v1,!!! v1a,abc= " + good));
  EXPECT_FALSE(signer->matches("msg_2", "10", "x", "v1," + sig.substr(0, sig.size() - 4)));
}

TEST(GithubSignature, MatchesGithubsDocumentedExample) {
  const auto v = load_vectors().at("github_x_hub_signature_256");
  const std::string secret = v.at("secret");
  const std::string payload = v.at("payload");
  const std::string expected = "sha256=" + v.at("expected_hex").get<std::string>();
  EXPECT_EQ(github_signature(secret, payload), expected);
  EXPECT_EQ("X-Hub-Signature-256: " + github_signature(secret, payload),
            v.at("expected_header").get<std::string>());
  EXPECT_TRUE(verify_github_signature(secret, payload, expected));
  EXPECT_FALSE(verify_github_signature(secret, payload + "!", expected));
  EXPECT_FALSE(verify_github_signature("another secret", payload, expected));
  EXPECT_FALSE(verify_github_signature(secret, payload, expected.substr(7)));
}

TEST(Base64, RoundTripsEveryLengthAndToleratesMissingPadding) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto decoded = base64_decode(base64_encode(bytes));
    ASSERT_TRUE(decoded) << i;
    EXPECT_EQ(*decoded, bytes);
    std::string unpadded = base64_encode(bytes);
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    auto decoded2 = base64_decode(unpadded);
    ASSERT_TRUE(decoded2) << i;
    EXPECT_EQ(*decoded2, bytes);
    bytes += static_cast<char>(i * 37 + 200);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_FALSE(base64_decode("Zm9v YmFy"));
  EXPECT_FALSE(base64_decode("Zg=a"));
  EXPECT_FALSE(base64_decode("Z"));
}

TEST(ConstantTimeEquals, ComparesContentAndSize) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "abcd"));
}

}  // namespace
}  // namespace syndicated::connectors::webhook
