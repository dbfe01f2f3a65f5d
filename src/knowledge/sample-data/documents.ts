/**
 * Sample help-centre articles for a generic online shop, loaded in development (DEV_SAMPLE_DATA) so the agent has
 * something to answer from on first start. Written for Frontline; replace them by uploading your own documents.
 * Markdown strings in a module (not .md files) so the TypeScript build ships them without a copy step.
 */
export interface SampleDocument {
  /** Stable name, stored as metadata.sampleId. */
  id: string;
  title: string;
  content: string;
}

export const SAMPLE_DOCUMENTS: readonly SampleDocument[] = [
  {
    id: 'refunds',
    title: 'Returns and refunds',
    content: `# Returns and refunds

## Returning an item
You can return most items within 30 days of delivery. Items must be unused and in their original packaging.
Start a return from **Orders > Return an item** in your account; we email you a prepaid return label.
Final-sale items, gift cards and personalised products cannot be returned.

## When you get your money back
We inspect returned items within 3 business days of receiving them. Once approved, the refund goes back to the
original payment method: 5-10 business days for cards, 1-3 business days for PayPal. Store credit is instant.
Original shipping costs are refunded only when the item arrived damaged or was not what you ordered.

## Damaged or wrong items
If an item arrives damaged or is not what you ordered, contact us within 7 days with a photo of the item and the
packaging. We send a replacement at no cost or refund you in full, including shipping; you do not need to return
a damaged item unless we ask.

## Exchanges
To exchange for another size or colour, return the item and place a new order: this is the fastest way to get
the item you want while stock lasts.
`,
  },
  {
    id: 'shipping',
    title: 'Shipping and delivery',
    content: `# Shipping and delivery

## Delivery times and costs
| Method | Delivery time | Cost |
| --- | --- | --- |
| Standard | 3-5 business days | Free on orders over $50, otherwise $4.95 |
| Express | 1-2 business days | $12.95 |
| International | 7-14 business days | Calculated at checkout |

Orders placed before 2 pm (local time) on a business day ship the same day.

## Tracking your order
When your order ships we email you a tracking link. You can also follow it under **Orders** in your account.
Tracking can take up to 24 hours to show the first scan.

## Late or missing parcels
If your parcel has not arrived 5 business days after the estimated delivery date, or tracking says delivered but
you cannot find it, contact us: we open an investigation with the carrier and send a replacement or a refund.

## Changing the delivery address
You can change the address until the order ships, from **Orders > Edit order**. After it ships, ask the carrier
to redirect the parcel using the tracking link.
`,
  },
  {
    id: 'account',
    title: 'Your account and password',
    content: `# Your account and password

## Resetting your password
1. On the sign-in page, choose **Forgot password?**
2. Enter the email address of your account.
3. Open the email we send you and follow the link within 60 minutes.
4. Choose a new password of at least 10 characters.

If the email does not arrive within a few minutes, check your spam folder, then request a new link. For your
security, support staff can never see or set your password.

## Locked account
After 5 failed sign-in attempts your account is locked for 15 minutes. Wait, then reset your password if you
are not sure of it.

## Changing your email address
Go to **Account > Profile**, enter the new address and confirm it from the email we send there. Your order
history stays with your account.

## Closing your account
Ask us from **Account > Privacy > Close my account**. Open orders must be delivered or cancelled first. We delete
your personal data within 30 days, except what the law requires us to keep (such as invoices).
`,
  },
  {
    id: 'contact',
    title: 'Contact us and opening hours',
    content: `# Contact us and opening hours

## Customer service hours
Our team answers Monday to Friday from 8 am to 8 pm and Saturday from 9 am to 5 pm (Eastern Time). We are closed
on Sundays and public holidays. This assistant answers around the clock and hands over to a person when needed.

## How to reach us
- Chat: right here, any time.
- Email: support@example.com; we reply within one business day.
- Phone: +1 555 0100 during opening hours.

## What to have ready
Your order number (it starts with # and is in your confirmation email) and the email address you ordered with
help us find your order quickly. Never share your password or full card number with anyone, including us.

## Complaints
If you are not happy with how we handled your request, ask for a supervisor: we reply to complaints within
5 business days.
`,
  },
];
