"""The JSON Schema of the data file, generated from the models, for editors that check YAML as it
is typed (`# yaml-language-server: $schema=ratings.schema.json` at the top of the data file)."""

from __future__ import annotations

import json

from ratings.models import Dataset

FILE_NAME = "ratings.schema.json"


def text() -> str:
    schema = Dataset.model_json_schema(mode="validation")
    schema["title"] = "probation-ratings data file"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
