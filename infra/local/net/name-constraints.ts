import { isIPv4 } from 'node:net';
import forge from 'node-forge';

/**
 * X.509 name constraints (RFC 5280 §4.2.1.10) for the local CA: it may only certify the loopback names
 * and addresses the runtime serves, so trusting it as a root in a browser cannot vouch for any other
 * site even if its key leaks. node-forge has no encoder for this extension; we build its DER with
 * forge.asn1 and compare the bytes to check one.
 */
export const NAME_CONSTRAINTS_OID = '2.5.29.30';

export interface PermittedNames {
  dns: string[];
  ips: string[];
}

const { asn1 } = forge;

/** An address followed by an all-ones mask: exactly this one address. */
function ipWithMask(ip: string): string {
  const bytes = isIPv4(ip) ? ip.split('.').map(Number) : ipv6Bytes(ip);
  return String.fromCharCode(...bytes, ...bytes.map(() => 0xff));
}

function ipv6Bytes(ip: string): number[] {
  const [head = '', tail = ''] = ip.split('::');
  const parts = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = parts(head);
  const t = parts(tail);
  const groups = [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/** DER of NameConstraints { permittedSubtrees [0] } with one GeneralSubtree per name; no excluded subtrees. */
export function nameConstraintsDer(permitted: PermittedNames): string {
  const subtree = (tag: number, value: string) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, false, value)]);
  const subtrees = [...permitted.dns.map((d) => subtree(2, d)), ...permitted.ips.map((ip) => subtree(7, ipWithMask(ip)))];
  const value = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, subtrees)]);
  return asn1.toDer(value).getBytes();
}

/** The extension for forge's `setExtensions`: critical, so a verifier that cannot read it refuses the chain. */
export const nameConstraintsExtension = (permitted: PermittedNames) => ({ id: NAME_CONSTRAINTS_OID, critical: true, value: nameConstraintsDer(permitted) });

/** Whether the certificate carries exactly these constraints, marked critical. */
export function hasNameConstraints(certPem: string, permitted: PermittedNames): boolean {
  const ext = forge.pki.certificateFromPem(certPem).getExtension({ id: NAME_CONSTRAINTS_OID } as unknown as string) as { critical?: boolean; value?: string } | null;
  return !!ext && ext.critical === true && ext.value === nameConstraintsDer(permitted);
}
