/**
 * @peculiar/x509, the certificate library, for the rest of the project: it resolves its algorithms
 * through tsyringe, which needs the Reflect metadata API installed before the library loads, so
 * every import goes through this module.
 */
import 'reflect-metadata';

export * from '@peculiar/x509';
