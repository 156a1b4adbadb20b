#!/usr/bin/python3
"""Converts a YAML file to JSON (build step of the compose tests: C++ has no YAML reader here)."""
import json
import sys

import yaml

with open(sys.argv[1], encoding='utf-8') as f:
    data = yaml.safe_load(f)
with open(sys.argv[2], 'w', encoding='utf-8') as f:
    json.dump(data, f, ensure_ascii=False)
