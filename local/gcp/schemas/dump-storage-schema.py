"""Dumps the bucket methods of the gcloud SDK's storage v1 apitools client as storage-v1.json.

Same format as the other schema files (see SOURCE.md). Run with the SDK's bundled Python:
  /usr/lib/google-cloud-sdk/platform/bundledpythonunix/bin/python3 dump-storage-schema.py > storage-v1.json
then format with prettier.
"""
import json
import sys

SDK = '/usr/lib/google-cloud-sdk/lib'
sys.path.insert(0, SDK)
sys.path.insert(0, SDK + '/third_party')
from apitools.base.protorpclite import messages as pm  # noqa: E402
from googlecloudsdk.generated_clients.apis.storage.v1 import (  # noqa: E402
    storage_v1_client as client_module,
    storage_v1_messages as messages_module,
)

METHODS = ['Get', 'Insert', 'List', 'Delete', 'GetIamPolicy', 'SetIamPolicy']
client = client_module.StorageV1(get_credentials=False)
methods = []
for name in METHODS:
    cfg = client.buckets.GetMethodConfig(name)
    methods.append(dict(
        flat_path=cfg.flat_path, http_method=cfg.http_method, id=cfg.method_id, method=name,
        path=cfg.relative_path, path_params=cfg.path_params, query_params=cfg.query_params,
        request_field=cfg.request_field, request_type=cfg.request_type_name,
        response_type=cfg.response_type_name, service='buckets'))

messages = {}


def type_name(cls):
    name = cls.definition_name().split('storage_v1_messages.', 1)[-1]
    return name[len('storage.'):] if name.startswith('storage.') else name


def walk(cls):
    name = type_name(cls)
    if name in messages:
        return
    messages[name] = []
    fields = []
    for field in sorted(cls.all_fields(), key=lambda f: f.number):
        entry = dict(name=field.name, number=field.number, repeated=bool(field.repeated),
                     required=bool(field.required))
        if isinstance(field, pm.EnumField):
            entry['type'] = 'enum'
            entry['enum'] = [v.name for v in sorted(field.type, key=lambda v: v.number)]
        elif type(field).__name__ == 'DateTimeField':
            entry['type'] = 'string:STRING'  # RFC 3339 text on the wire
        elif isinstance(field, pm.MessageField):
            definition = field.type.definition_name()
            if 'extra_types' in definition:
                entry['type'] = definition
            else:
                entry['type'] = type_name(field.type)
                walk(field.type)
        else:
            kind = type(field).__name__.replace('Field', '').lower()
            entry['type'] = '%s:%s' % (kind, field.variant.name)
        fields.append(dict(sorted(entry.items())))
    messages[name] = fields


for method in methods:
    walk(getattr(messages_module, method['request_type']))
    walk(getattr(messages_module, method['response_type']))

print(json.dumps(dict(
    api='storage', version='v1', base_url=client_module.StorageV1.BASE_URL,
    source='/usr/lib/google-cloud-sdk/lib/googlecloudsdk/generated_clients/apis/storage/v1/',
    methods=[dict(sorted(m.items())) for m in methods],
    messages=dict(sorted(messages.items()))), indent=2))
