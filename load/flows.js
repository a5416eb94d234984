// Artillery processor for load-test.yml: the programs a frontend submits, the checks on every
// answer, and an event-stream reader (artillery's HTTP engine has no Server-Sent Events).
//
// Metrics it adds to artillery's report:
//   codearena.submitted        submissions sent
//   codearena.answers          every answer the scenarios received (the streams' included)
//   codearena.refused          answers that were not 2xx (rate_limited, queue_full, ...)
//   codearena.refused.<code>   the same by the error's code
//   codearena.jobs.<state>     final states seen by polls, waits and streams
//   codearena.stream.first_event_ms, codearena.stream.final_ms   time to an event stream's
//                              first event and to its final state event
'use strict';

const http = require('http');
const https = require('https');

const FINAL_STATES = new Set(['completed', 'failed', 'cancelled']);

// Small programs of the kind a course or contest frontend sends, each with a test or two.
const PROGRAMS = [
  {
    language: 'python',
    code: 'n = int(input())\nprint(n * 2)\n',
    testCases: [{ input: '21', expectedOutput: '42' }, { input: '5', expectedOutput: '10' }],
  },
  {
    language: 'python',
    code: 'words = input().split()\nprint(len(words))\n',
    testCases: [{ input: 'a b c', expectedOutput: '3' }],
  },
  {
    language: 'c',
    code: '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);return 0;}\n',
    testCases: [{ input: '1 2', expectedOutput: '3' }, { input: '40 2', expectedOutput: '42' }],
  },
  {
    language: 'c',
    code: '#include <stdio.h>\nint main(void){long s=0;for(int i=1;i<=1000;i++)s+=i;printf("%ld\\n",s);return 0;}\n',
    testCases: [{ input: '', expectedOutput: '500500' }],
  },
];

function count(events, name, value = 1) {
  events.emit('counter', name, value);
}

// The value `text` holds, or null when it is not JSON.
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (error) {
    return null;
  }
}

// Counts the state of a job that is final, however it was followed (poll, wait or stream);
// answers whether it was.
function countFinal(job, events) {
  if (!job || !FINAL_STATES.has(job.state)) return false;
  count(events, `codearena.jobs.${job.state}`);
  return true;
}

// Counts an answer, and a refusal with its error code when it is not 2xx. Every counter is
// emitted (with 0 when nothing happened) so that the ensure expressions always find it.
function countAnswer(status, body, events) {
  count(events, 'codearena.answers');
  const refused = status < 200 || status > 299;
  count(events, 'codearena.refused', refused ? 1 : 0);
  if (!refused) return;
  // Not a JSON error body: the status names it.
  const answer = parseJson(body);
  const code = (answer && answer.error && answer.error.code) || `http_${status}`;
  count(events, `codearena.refused.${code}`);
}

// beforeRequest hook of a submission: a random program of PROGRAMS as the JSON body.
function setProgram(requestParams, context, events, next) {
  requestParams.json = PROGRAMS[Math.floor(Math.random() * PROGRAMS.length)];
  count(events, 'codearena.submitted');
  return next();
}

// afterResponse hook of every request: counts it. A submission's answer gives the job to follow
// (none when it was refused); an answer with the job final counts its state once and ends the
// following.
function checkAnswer(requestParams, response, context, events, next) {
  const body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  countAnswer(response.statusCode, body, events);
  const job = parseJson(body);
  if (requestParams.url.includes('/api/execute')) context.vars.jobId = job && job.jobId;
  if (context.vars.jobId && countFinal(job, events)) context.vars.jobId = null;
  return next();
}

// whileTrue of a poll loop: a job is being followed.
function jobRunning(context, next) {
  return next(Boolean(context.vars.jobId));
}

// ifTrue of a poll (artillery runs a loop's steps once before it asks whileTrue): a job is
// being followed. Called with the virtual user's variables; answers at once.
function jobAccepted(vars) {
  return Boolean(vars.jobId);
}

// Parses "event: NAME\ndata: JSON\n\n" blocks out of `buffer`; returns the unparsed rest.
function takeEvents(buffer, onEvent) {
  let end;
  while ((end = buffer.indexOf('\n\n')) >= 0) {
    const block = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    let name = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    if (data) onEvent(name, data);
  }
  return buffer;
}

// A flow function: follows GET /api/jobs/<jobId>/events until the final state event, as a
// browser's EventSource would. A stream that ends without a final state, carries an event that
// is not JSON, or breaks, fails the virtual user with the reason.
function followEvents(context, events, done) {
  if (!context.vars.jobId) return done();
  const url = new URL(`/api/jobs/${context.vars.jobId}/events`, context.vars.target);
  const client = url.protocol === 'https:' ? https : http;
  const started = Date.now();
  let finished = false;
  const finish = (error) => {
    if (finished) return;
    finished = true;
    request.destroy();
    done(error);
  };
  const request = client.get(url, { headers: { Accept: 'text/event-stream' } }, (response) => {
    let buffer = '';
    let body = '';
    let first = true;
    response.setEncoding('utf8');
    response.on('data', (chunk) => {
      if (response.statusCode !== 200) {
        body += chunk;
        return;
      }
      buffer = takeEvents(buffer + chunk, (name, data) => {
        if (first) events.emit('histogram', 'codearena.stream.first_event_ms', Date.now() - started);
        first = false;
        if (name !== 'state') return;
        const job = parseJson(data);
        if (!job) {
          return finish(new Error(`event stream of ${context.vars.jobId}: a state event that is `
            + `not a JSON job: ${data}`));
        }
        if (!countFinal(job, events)) return;
        events.emit('histogram', 'codearena.stream.final_ms', Date.now() - started);
        countAnswer(200, '', events);
        finish();
      });
    });
    response.on('end', () => {
      if (response.statusCode !== 200) {
        countAnswer(response.statusCode, body, events);
        return finish();
      }
      finish(new Error(`event stream of ${context.vars.jobId} ended without a final state`));
    });
  });
  // A stream is silent only between keep-alive comments (SSE_HEARTBEAT, 15 s by default).
  request.setTimeout(Number(context.vars.streamIdleTimeout) * 1000,
    () => finish(new Error('event stream silent too long')));
  request.on('error', finish);
}

module.exports = { setProgram, checkAnswer, jobRunning, jobAccepted, followEvents };
