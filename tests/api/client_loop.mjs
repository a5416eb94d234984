// The product brief's frontend code, unchanged but for the server's address: submit, then poll
// GET /api/jobs/:id once a second until completed or failed. Run by client_loop_test.py.
const BASE = process.env.CODEARENA_URL;
const fetch = (path, init) => globalThis.fetch(BASE + path, init);

async function pollJobStatus(jobId) {
  while (true) {
    const response = await fetch(`/api/jobs/${jobId}`);
    const status = await response.json();

    if (status.state === 'completed') {
      return status.result;
    } else if (status.state === 'failed') {
      throw new Error(status.failedReason);
    }

    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

async function executeCode(code, language, input, testCases) {
  const jobResponse = await fetch('/api/execute', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code, language, input, testCases })
  });

  const { jobId } = await jobResponse.json();

  // Poll for results
  const result = await pollJobStatus(jobId);
  return result;
}

const jobs = JSON.parse(process.env.CODEARENA_JOBS);
const results = await Promise.all(
  jobs.map(({ code, language, input, testCases }) => executeCode(code, language, input, testCases)));
console.log(JSON.stringify(results));
