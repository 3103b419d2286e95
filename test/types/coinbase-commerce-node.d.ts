/** coinbase-commerce-node ships no types: the part of it test/catalog/provider-sdks.test.ts uses. */
declare module 'coinbase-commerce-node' {
  const coinbase: {
    readonly Webhook: {
      verifyEventBody(payload: string, sigHeader: string, secret: string): { readonly id: string };
    };
    readonly errors: { readonly SignatureVerificationError: new () => Error };
  };
  export default coinbase;
}
