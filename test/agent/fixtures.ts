/** Help-centre text the agent tests and benchmarks answer from (no test runner imports: benches use it too). */
export const REFUND_ARTICLE = [
  '# Refunds',
  'You can return any unused item within 30 days of delivery for a full refund.',
  'Refunds are paid to the original payment method within 5 business days of us receiving the item.',
  '',
  '# Shipping',
  'Standard delivery takes 3 to 5 business days. Express delivery arrives the next business day if you order before 2pm.',
].join('\n');
