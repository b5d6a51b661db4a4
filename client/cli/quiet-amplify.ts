/**
 * Drops Amplify's "[WARN] ... You are using a custom Amazon Cognito User Pool endpoint" line. It is
 * printed on every command against the local issuer, whose endpoint the configuration names on
 * purpose, so it says nothing to a CLI user. Every other warning still goes through.
 */
const CUSTOM_ENDPOINT = /You are using a custom Amazon .* endpoint, ensure the endpoint is correct/;

export function quietAmplify(): void {
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    if (args.some((a) => typeof a === 'string' && CUSTOM_ENDPOINT.test(a))) return;
    warn(...args);
  };
}
