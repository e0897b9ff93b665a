/**
 * The Kubernetes CEL functions the simulator adds to `@bufbuild/cel`: Go's time.ParseDuration
 * grammar (cel-go's duration(string)) and net/url.ParseRequestURI (k8s.io/apiserver
 * pkg/cel/library/urls.go: url(), isURL()).
 */
import { describe, expect, it } from 'vitest';
import { run, isCelError } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import {
  kubernetesLibrary,
  parseGoDuration,
  parseRequestUri,
} from '../../../local/kube/cel/kubernetes-library.js';

const evaluate = (expression: string, self: unknown) => {
  const result = run(
    expression,
    { self: self as never },
    { funcs: [...strings, ...kubernetesLibrary] },
  );
  return isCelError(result) ? `error: ${result.message}` : result;
};

describe('Kubernetes CEL library', () => {
  it('parses durations as Go does', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000_000_000n);
    expect(parseGoDuration('1.5s')).toBe(1_500_000_000n);
    expect(parseGoDuration('-2ms')).toBe(-2_000_000n);
    expect(parseGoDuration('0')).toBe(0n);
    expect(parseGoDuration('300µs')).toBe(300_000n);
    for (const invalid of ['', 'abc', '5', '1d', '.s', '1.5', '+'])
      expect(parseGoDuration(invalid), invalid).toBeUndefined();
    expect(evaluate("duration(self) >= duration('1ms')", '2ms')).toBe(true);
    expect(evaluate("duration(self) >= duration('1ms')", '')).toBe(
      "error: type conversion error from 'string' to 'google.protobuf.Duration'",
    );
    expect(evaluate('int(self) == 80', '80')).toBe(true);
    expect(evaluate('int(self)', '8o')).toBe("error: type conversion error from 'string' to 'int'");
  });

  it('parses URLs as net/url.ParseRequestURI', () => {
    expect(parseRequestUri('https://example.com:8443/a?b=c')).toEqual({
      scheme: 'https',
      host: 'example.com:8443',
      path: '/a',
      rawQuery: 'b=c',
    });
    expect(parseRequestUri('example.com/x')).toBe('parse "example.com/x": invalid URI for request');
    expect(parseRequestUri('')).toBe('parse "": empty url');
    expect(parseRequestUri(':x')).toBe('parse ":x": missing protocol scheme');
    expect(parseRequestUri('http://exa mple.com/')).toBe(
      'parse "http://exa mple.com/": invalid character " " in host name',
    );
    expect(parseRequestUri('http://example.com:80a/')).toBe(
      'parse "http://example.com:80a/": invalid port ":80a" after host',
    );
    expect(evaluate('url(self).getScheme()', 'OCI://registry/x')).toBe('oci');
    expect(evaluate('url(self).getHostname() + "|" + url(self).getPort()', 'http://h:81/p')).toBe(
      'h|81',
    );
    expect(evaluate('isURL(self)', 'registry/x')).toBe(false);
    expect(evaluate('url(self)', 'registry/x')).toBe(
      'error: URL parse error during conversion from string: parse "registry/x": invalid URI for request',
    );
  });
});
