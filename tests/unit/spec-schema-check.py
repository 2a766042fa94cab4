#!/usr/bin/env python3
"""Validates JSON documents against a runtime-spec JSON schema.

    spec-schema-check.py SCHEMA DOC...

Exit 0: every DOC is valid; 1: one is not (the error is printed);
77: python3-jsonschema is not installed (the caller skips).
The runtime-spec schemas refer to each other by relative file names
("defs.json#/definitions/..."), so every *.json next to SCHEMA is loaded
into the resolver's store."""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed")
    sys.exit(77)


def main():
    schema_path = os.path.abspath(sys.argv[1])
    base = os.path.dirname(schema_path)
    with open(schema_path) as f:
        schema = json.load(f)
    store = {}
    for p in glob.glob(os.path.join(base, "*.json")):
        with open(p) as f:
            doc = json.load(f)
        store["file://" + p] = doc
        store[os.path.basename(p)] = doc
    base_uri = "file://" + schema_path
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        registry = Registry().with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT4))
            for uri, doc in store.items() if uri.startswith("file://"))
        schema = dict(schema)
        schema["id"] = base_uri
        validator = jsonschema.Draft4Validator(schema, registry=registry)
    except ImportError:
        resolver = jsonschema.RefResolver(base_uri, schema, store=store)
        validator = jsonschema.Draft4Validator(schema, resolver=resolver)
    bad = 0
    for p in sys.argv[2:]:
        with open(p) as f:
            doc = json.load(f)
        for e in validator.iter_errors(doc):
            print("%s: %s: %s" % (p, "/".join(str(x) for x in e.absolute_path), e.message))
            bad = 1
    return bad


sys.exit(main())
