import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints } from '@peculiar/asn1-x509';
import { Extension, X509Certificate } from './x509.ts';

/**
 * X.509 name constraints (RFC 5280 §4.2.1.10) for the local CA: it may only certify the loopback names
 * and addresses the runtime serves, so trusting it as a root in a browser cannot vouch for any other
 * site even if its key leaks. @peculiar/x509 has no class for this extension; its ASN.1 schema
 * (@peculiar/asn1-x509) encodes it, and a certificate's copy is checked by comparing the DER bytes.
 */
export const NAME_CONSTRAINTS_OID = '2.5.29.30';

export interface PermittedNames {
  dns: string[];
  ips: string[];
}

/** An address with an all-ones mask (`/32`, `/128`): exactly this one address. */
const singleAddress = (ip: string) => `${ip}/${ip.includes(':') ? 128 : 32}`;

/** DER of NameConstraints { permittedSubtrees [0] } with one GeneralSubtree per name; no excluded subtrees. */
export function nameConstraintsDer(permitted: PermittedNames): ArrayBuffer {
  const subtree = (base: GeneralName) => new GeneralSubtree({ base });
  const permittedSubtrees = new GeneralSubtrees([
    ...permitted.dns.map((dNSName) => subtree(new GeneralName({ dNSName }))),
    ...permitted.ips.map((ip) => subtree(new GeneralName({ iPAddress: singleAddress(ip) }))),
  ]);
  return AsnConvert.serialize(new NameConstraints({ permittedSubtrees }));
}

/** The extension for a certificate: critical, so a verifier that cannot read it refuses the chain. */
export const nameConstraintsExtension = (permitted: PermittedNames) => new Extension(NAME_CONSTRAINTS_OID, true, nameConstraintsDer(permitted));

/** Whether the certificate carries exactly these constraints, marked critical. */
export function hasNameConstraints(certPem: string, permitted: PermittedNames): boolean {
  const ext = new X509Certificate(certPem).getExtension(NAME_CONSTRAINTS_OID);
  return !!ext && ext.critical && Buffer.from(ext.value).equals(Buffer.from(nameConstraintsDer(permitted)));
}
