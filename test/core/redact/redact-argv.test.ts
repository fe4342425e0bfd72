import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecretName, MAX_ARGV_CHARS, redactArgv } from '../../../src/core/redact/redact.js';

describe('redactArgv', () => {
  it.each([
    [['--token', 'abc'], '--token [redacted]'],
    [['--token=abc'], '--token=[redacted]'],
    [['--api-key', 'k1'], '--api-key [redacted]'],
    [['--apiKey=k1'], '--apiKey=[redacted]'],
    [['--password', 'p', '--secret', 's'], '--password [redacted] --secret [redacted]'],
    [
      ['--auth-token', 't', '--authorization=Bearer x'],
      '--auth-token [redacted] --authorization=[redacted]',
    ],
    [
      ['key=abc', 'API_KEY=abc', 'DB_PASSWORD=abc'],
      'key=[redacted] API_KEY=[redacted] DB_PASSWORD=[redacted]',
    ],
    [['https://h/x?token=t1&page=2'], 'https://h/x?token=[redacted]&page=2'],
    [['https://user:pass@h/x'], 'https://[redacted]@h/x'],
    [['phc_abcdef123', 'sk-proj-abcdef', 'x=phx_abcdef'], '[redacted] [redacted] x=[redacted]'],
    [['--phs', 'phs_abcdef12'], '--phs [redacted]'],
  ])('redacts %j', (argv, expected) => {
    expect(redactArgv(argv)).toBe(expected);
  });

  it('leaves ordinary arguments alone', () => {
    const argv = [
      'deploy',
      '--region',
      'eu',
      '--limit=10',
      '--verbose',
      '--keyboard',
      'qwerty',
      '-n',
      '3',
    ];
    expect(redactArgv(argv)).toBe(argv.join(' '));
  });

  it('redacts the word after a secret flag even when it looks like a flag, but not after a negated one', () => {
    // A password may start with dashes; losing a following flag's name is the cheaper mistake.
    expect(redactArgv(['--token', '--verbose'])).toBe('--token [redacted]');
    expect(redactArgv(['--password', '--s3cret', 'run'])).toBe('--password [redacted] run');
    expect(redactArgv(['--no-auth', 'build'])).toBe('--no-auth build');
  });

  it(`caps the line at ${MAX_ARGV_CHARS} characters, ending with …`, () => {
    const line = redactArgv(Array.from({ length: 200 }, (_, i) => `arg${i}`));
    expect(line).toHaveLength(MAX_ARGV_CHARS);
    expect(line.endsWith('…')).toBe(true);
    expect(redactArgv(['a'.repeat(512)])).toBe('a'.repeat(512));
  });

  it('never lets the value of a secret flag through, whatever it is', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('--token', '--api-key', '--password', '--secret', '--auth'),
        fc.stringMatching(/^[A-Za-z0-9_.:/+]{6,30}$/),
        fc.boolean(),
        (flag, value, joined) => {
          const line = redactArgv(joined ? ['run', `${flag}=${value}`] : ['run', flag, value]);
          return !line.includes(value);
        },
      ),
    );
  });

  it('names secret flags and variables', () => {
    for (const name of [
      '--token',
      '--api-key',
      '--apikey',
      '--key',
      '--private_key',
      'MY_TOKEN',
      '--auth',
    ]) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of ['--monkey', '--keyboard', '--limit', '--region', '--keyfile']) {
      expect(isSecretName(name), name).toBe(false);
    }
  });
});
