// A separate process standing in for another function instance: loads a built redis.js as a function
// bundle does, configured from its environment, takes `count` requests for `subject` from the named
// limit, and prints the answers as one line prefixed "RESULT ".
'use strict';
const [redisFile, subject, count, perMinute] = process.argv.slice(2);
const redis = require(redisFile);
const read = redis.readConfig(process.env);
if (!read.ok) throw new Error(JSON.stringify(read.problems));
const state = redis.createRedisState(read.config, { logger: { log: (...line) => console.error(JSON.stringify(line)) }, namespace: 'aliyun' });
(async () => {
  const deadline = Date.now() + 5000;
  while ((await state.lookup('connected?')) === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const answers = [];
  for (let i = 0; i < Number(count); i++) answers.push(await state.take('requests', subject, Number(perMinute)));
  await state.close();
  process.stdout.write(`RESULT ${JSON.stringify(answers)}\n`);
})();
