import { describe, expect, it } from 'vitest';
import { forbiddenAddressReason } from './outbound-address.js';

describe('forbiddenAddressReason', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.8.9.10', /loopback/],
    ['::1', /loopback/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /metadata/],
    ['fe80::1', /non-public|link-local/],
    ['100.64.0.1', /CGNAT/],
    ['100.100.100.200', /CGNAT/],
    ['fd00:ec2::254', /unique-local/],
    ['fc00::1', /unique-local/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:10.0.0.1', /private/],
    ['::ffff:169.254.169.254', /metadata/],
    ['0.0.0.0', /unspecified/],
    ['::', /unspecified/],
    ['224.0.0.1', /multicast/],
    ['64:ff9b::a00:1', /non-public/],
    ['2002:7f00:1::', /non-public/],
    // IPv4-compatible (::/96): what a URL's [::127.0.0.1] becomes, and its private and public kin.
    ['::7f00:1', /IPv4-compatible/],
    ['::a00:1', /IPv4-compatible/],
    ['::5db8:d70e', /IPv4-compatible/],
    ['not-an-ip', /not an IP/],
  ])('refuses %s', (address, reason) => {
    expect(forbiddenAddressReason(address)).toMatch(reason);
  });

  it.each(['93.184.215.14', '1.1.1.1', '2606:4700:4700::1111', '::ffff:93.184.215.14'])('allows the public address %s', (address) => {
    expect(forbiddenAddressReason(address)).toBeNull();
  });
});
