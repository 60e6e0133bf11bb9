// Waits until a URL answers (any HTTP status) or the time is up, then exits 0 either way: the caller starts what
// depends on it next. Usage: node scripts/wait-for.mjs <url> [seconds]
const [url, seconds = '60'] = process.argv.slice(2);
const deadline = Date.now() + Number(seconds) * 1000;
while (Date.now() < deadline) {
  const answered = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    () => true,
    () => false,
  );
  if (answered) process.exit(0);
  await new Promise((resolve) => setTimeout(resolve, 500));
}
console.warn(`${url} did not answer within ${seconds} s; starting anyway`);
