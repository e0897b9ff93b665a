import { describe, expect, it } from 'vitest';
import { allBlocks, attributeText, parseHcl, stringAttribute } from '../../deploy/hcl.js';

describe('parseHcl (HashiCorp hcl/v2 through @cdktf/hcl2json)', () => {
  it('reads blocks with their labels, attributes and nested blocks', async () => {
    const blocks = await parseHcl(
      [
        'locals {',
        '  url = "https://x-${var.region}.run.app"',
        '}',
        'resource "google_eventarc_trigger" "requests" {',
        '  name            = "requests-to-provision"',
        '  service_account = google_service_account.events.email',
        '  transport {',
        '    pubsub {',
        '      topic = google_pubsub_topic.requests.id',
        '    }',
        '  }',
        '}',
        'variable "region" {',
        '  type = string',
        '}',
      ].join('\n'),
      'infra/x.tf',
    );
    expect(blocks.map((b) => [b.type, ...b.labels])).toEqual([
      ['locals'],
      ['resource', 'google_eventarc_trigger', 'requests'],
      ['variable', 'region'],
    ]);
    const trigger = blocks[1]!;
    expect(stringAttribute(trigger, 'name')).toBe('requests-to-provision');
    const pubsub = allBlocks(trigger.blocks).find((b) => b.type === 'pubsub');
    expect(pubsub && attributeText(pubsub, 'topic')).toBe('google_pubsub_topic.requests.id');
    expect(attributeText(blocks[0]!, 'url')).toBe('https://x-${var.region}.run.app');
  });

  it('tells a literal string from a reference, a template, a number and an object', async () => {
    const [block] = await parseHcl(
      [
        'resource "t" "n" {',
        '  literal   = "roles/pubsub.publisher"',
        '  escaped   = "not $${interpolated}"',
        '  reference = google_project_iam_custom_role.steps[each.key].name',
        '  template  = "serviceAccount:${google_service_account.steps.email}"',
        '  two       = "${var.a}${var.b}"',
        '  quoted    = "${format("}", var.a)}"',
        '  number    = 10',
        '  flag      = false',
        '  list      = ["a", var.b]',
        '  map       = { subscription = google_eventarc_trigger.t.transport[0].pubsub[0].subscription }',
        '}',
      ].join('\n'),
      'infra/x.tf',
    );
    const a = block!.attributes;
    expect(a.literal).toEqual({ kind: 'string', value: 'roles/pubsub.publisher' });
    expect(a.escaped).toEqual({ kind: 'string', value: 'not ${interpolated}' });
    expect(a.reference).toEqual({
      kind: 'raw',
      text: 'google_project_iam_custom_role.steps[each.key].name',
    });
    expect(stringAttribute(block!, 'reference')).toBeUndefined();
    expect(a.template).toEqual({
      kind: 'template',
      text: 'serviceAccount:${google_service_account.steps.email}',
    });
    expect(stringAttribute(block!, 'template')).toBeUndefined();
    expect(a.two).toEqual({ kind: 'template', text: '${var.a}${var.b}' });
    expect(a.quoted).toEqual({ kind: 'raw', text: 'format("}", var.a)' });
    expect(attributeText(block!, 'number')).toBe('10');
    expect(attributeText(block!, 'flag')).toBe('false');
    expect(a.list).toEqual({
      kind: 'list',
      items: [
        { kind: 'string', value: 'a' },
        { kind: 'raw', text: 'var.b' },
      ],
    });
    expect(a.map).toEqual({
      kind: 'object',
      attributes: {
        subscription: {
          kind: 'raw',
          text: 'google_eventarc_trigger.t.transport[0].pubsub[0].subscription',
        },
      },
    });
  });

  it('keeps the labels of provisioner and dynamic blocks, and an object attribute as an attribute', async () => {
    const [block] = await parseHcl(
      [
        'resource "terraform_data" "setter" {',
        '  triggers_replace = {',
        '    max_delivery_attempts = 10',
        '  }',
        '  provisioner "local-exec" {',
        '    command = "gcloud pubsub subscriptions update"',
        '  }',
        '  dynamic "fields" {',
        '    for_each = each.value.fields',
        '    content {',
        '      field_path = fields.value.fieldPath',
        '    }',
        '  }',
        '  condition {',
        '    title = "only-this"',
        '  }',
        '}',
      ].join('\n'),
      'infra/x.tf',
    );
    expect(Object.keys(block!.attributes)).toEqual(['triggers_replace']);
    expect(block!.attributes.triggers_replace?.kind).toBe('object');
    expect(block!.blocks.map((b) => [b.type, ...b.labels])).toEqual([
      ['condition'],
      ['dynamic', 'fields'],
      ['provisioner', 'local-exec'],
    ]);
    const dynamic = block!.blocks[1]!;
    expect(attributeText(dynamic, 'for_each')).toBe('each.value.fields');
    expect(dynamic.blocks.map((b) => b.type)).toEqual(['content']);
  });

  it('rejects a syntax error naming the file and line', async () => {
    await expect(parseHcl('resource "a" "b" {\n  x =\n}\n', 'infra/broken.tf')).rejects.toThrow(
      /^infra\/broken\.tf:2,\d+-\d+,\d+: Invalid expression/,
    );
    await expect(parseHcl('resource "a" "b" {\n  x = 1\n', 'infra/open.tf')).rejects.toThrow(
      /^infra\/open\.tf:1,\d+-\d+: Unclosed configuration block/,
    );
  });

  it('rejects an attribute outside any block, naming the file', async () => {
    await expect(parseHcl('project = "p"\n', 'infra/stray.tf')).rejects.toThrow(
      'infra/stray.tf: project is not a Terraform block type (an attribute outside any block?)',
    );
  });
});
