import { ApprovalsSection } from './approvals-section.js';
import { TokensSection } from './tokens-section.js';

export function TokensPage() {
  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">Enrollment tokens and approvals</h1>
      <ApprovalsSection />
      <TokensSection />
    </section>
  );
}
