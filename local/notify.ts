// Local stand-in for the SNS topics: the same message text (core/messages.ts) to the console and,
// when QDP_WEBHOOK_URL is set, as JSON to a webhook.
import type { ImportMessage } from '../core/messages.ts';

export async function notifyLocally(
  message: ImportMessage,
  options: { webhookUrl: string | undefined; out: (text: string) => void },
): Promise<void> {
  options.out(`\n[${message.topic}] ${message.subject}\n${message.text}\n`);
  if (!options.webhookUrl) return;
  try {
    const response = await fetch(options.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) options.out(`webhook answered ${response.status}\n`);
  } catch (error) {
    options.out(`webhook failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
