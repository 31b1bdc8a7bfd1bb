// The demo page: ceremonies through the Identity Store browser client, everything else through
// the demo's own backend (/demo/api/*), as any integrator's page would.
import { authenticate, register } from '/api/identity-store/browser/client.js';

const $ = (id) => document.getElementById(id);
let signedIn = null;

async function backend(path, body) {
  const res = await fetch(`/demo/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) {
    // The demo's backend answers problem+json whose detail is a sentence for the visitor.
    const error = new Error(json.detail ?? json.title ?? res.statusText);
    error.code = json.code;
    throw error;
  }
  return json;
}

function show(text, isError = false, code = '') {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
  $('status').dataset.code = code;
}

function setUser(user) {
  signedIn = user;
  $('pay').disabled = !user;
  show(user ? `Signed in as ${user.externalId}` : 'Signed out');
}

async function guarded(work) {
  try {
    await work();
  } catch (error) {
    show(error.message, true, error.code ?? 'ERROR');
  }
}

// Sign-up always makes a NEW account: the backend refuses a taken name (USER_ALREADY_EXISTS)
// rather than add this browser's passkey to someone else's account.
$('signup').onclick = () =>
  guarded(async () => {
    const { transactionId } = await backend('signup', { username: $('username').value.trim() });
    const nonce = await register(transactionId);
    setUser(await backend('session', { nonce }));
  });

$('signin').onclick = () =>
  guarded(async () => {
    const { tenantId, storeName, rpId } = await backend('config', {});
    const nonce = await authenticate({ tenantId, storeName, rpId });
    setUser(await backend('session', { nonce }));
  });

$('signout').onclick = () => setUser(null);

$('pay').onclick = () =>
  guarded(async () => {
    const amount = $('amount').value.trim();
    const { transactionId } = await backend('payment', { externalId: signedIn.externalId, amount });
    // the transaction carries what the user approves; the passkey signs exactly that
    const nonce = await authenticate({
      transactionId,
      onTransactionData: (data) =>
        show(`Approve ${data.amount} ${data.currency} to ${data.payee} with your passkey`),
    });
    const confirmed = await backend('payment/confirm', { nonce, transactionId, amount });
    $('result').textContent = JSON.stringify(confirmed, null, 2);
    const { payment } = confirmed;
    show(
      `Payment of ${payment.amount} ${payment.currency} confirmed by ${confirmed.verified.externalId}`,
    );
  });
