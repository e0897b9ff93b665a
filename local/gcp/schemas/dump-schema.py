"""Dumps methods of a gcloud SDK apitools client as <api>-<version>.json (see SOURCE.md).

Usage, with the SDK's bundled Python, then format the output with prettier:
  PY=/usr/lib/google-cloud-sdk/platform/bundledpythonunix/bin/python3
  $PY dump-schema.py storage v1 buckets:Get,Insert,List,Delete,GetIamPolicy,SetIamPolicy > storage-v1.json
  $PY dump-schema.py pubsub v1 \
    projects_topics:Create,Get,Delete,Publish,GetIamPolicy,SetIamPolicy,TestIamPermissions \
    projects_subscriptions:Create,Get,Delete,ModifyPushConfig > pubsub-v1.json
"""
import importlib
import json
import sys

SDK = '/usr/lib/google-cloud-sdk/lib'
sys.path.insert(0, SDK)
sys.path.insert(0, SDK + '/third_party')
from apitools.base.protorpclite import messages as pm  # noqa: E402

api, version = sys.argv[1], sys.argv[2]
package = 'googlecloudsdk.generated_clients.apis.%s.%s' % (api, version)
client_module = importlib.import_module('%s.%s_%s_client' % (package, api, version))
messages_module = importlib.import_module('%s.%s_%s_messages' % (package, api, version))
client_class = next(getattr(client_module, n) for n in dir(client_module)
                    if n.lower() == (api + version).lower())
client = client_class(get_credentials=False)
methods = []
for spec in sys.argv[3:]:
    service, names = spec.split(':')
    for name in names.split(','):
        cfg = getattr(client, service).GetMethodConfig(name)
        methods.append(dict(
            flat_path=cfg.flat_path, http_method=cfg.http_method, id=cfg.method_id, method=name,
            path=cfg.relative_path, path_params=cfg.path_params, query_params=cfg.query_params,
            request_field=cfg.request_field, request_type=cfg.request_type_name,
            response_type=cfg.response_type_name, service=service))

messages = {}
prefix = '%s_%s_messages.' % (api, version)


def type_name(cls):
    name = cls.definition_name().split(prefix, 1)[-1]
    return name[len(api) + 1:] if name.startswith(api + '.') else name


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
    api=api, version=version, base_url=client_class.BASE_URL,
    source='/usr/lib/google-cloud-sdk/lib/googlecloudsdk/generated_clients/apis/%s/%s/' % (api, version),
    methods=[dict(sorted(m.items())) for m in methods],
    messages=dict(sorted(messages.items()))), indent=2))
