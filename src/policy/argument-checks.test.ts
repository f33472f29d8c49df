import { describe, expect, it } from 'vitest';
import { runArgumentCheck } from './argument-checks.js';

describe('runArgumentCheck', () => {
  it('shell_metacharacters: refuses chaining, substitution, redirection and newlines; passes plain words', () => {
    for (const value of ['report.txt; rm -rf ~', 'a && b', 'x | sh', '$(whoami)', '`id`', 'out > /etc/passwd', 'one\ntwo', 'a${IFS}b']) {
      expect(runArgumentCheck('shell_metacharacters', value), value).toMatch(/shell metacharacter/);
    }
    for (const value of ['report-2026.txt', 'Quarterly plan, v2', 'user@example.com', 'a_b.c:d/e']) expect(runArgumentCheck('shell_metacharacters', value), value).toBeUndefined();
  });

  it('private_network_url: refuses loopback, private, link-local, metadata and their disguised spellings', () => {
    const refused = [
      'http://127.0.0.1/admin',
      'http://localhost:8080/',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://100.100.100.200/latest/meta-data',
      'http://[::1]/',
      'http://[fd00:ec2::254]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[fe80::1]/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://0177.0.0.1/',
      'http://service.internal/',
      'http://printer.local/',
      'http://0.0.0.0/',
    ];
    for (const value of refused) expect(runArgumentCheck('private_network_url', value), value).toMatch(/non-public address|internal host/);
    expect(runArgumentCheck('private_network_url', 'file:///etc/passwd')).toMatch(/scheme/);
    expect(runArgumentCheck('private_network_url', 'gopher://example.com/')).toMatch(/scheme/);
    expect(runArgumentCheck('private_network_url', 'https://user:pw@example.com/')).toMatch(/credentials/);
    expect(runArgumentCheck('private_network_url', 'not a url')).toMatch(/not an absolute URL/);
    for (const value of ['https://example.com/docs?page=2', 'http://93.184.215.14/', 'https://[2606:4700::1111]/', 'https://sub.example.org:8443/path']) {
      expect(runArgumentCheck('private_network_url', value), value).toBeUndefined();
    }
  });

  it('path_traversal: refuses "..", absolute paths, encoded traversal and NUL; passes relative paths', () => {
    for (const value of ['../secrets.txt', 'docs/../../etc/passwd', '..\\windows\\system32', '/etc/passwd', 'C:\\Users', '~/.ssh/id_rsa', '%2e%2e%2fetc', '%252e%252e%252f', 'notes.txt\u0000.png']) {
      expect(runArgumentCheck('path_traversal', value), value).toBeDefined();
    }
    for (const value of ['notes/2026/plan.md', 'report..final.txt', 'a/b/c.txt']) expect(runArgumentCheck('path_traversal', value), value).toBeUndefined();
  });
});
