/**
 * Everything measured inside the bench process, in one interleaved run (see interleave.ts): warm hits
 * and misses through each loaded bundle, signed uploads and downloads through the same bundles, the
 * emulators' own round trips, the floor's parts, and the official SDKs against stsgate's clients. Then
 * the derived numbers: miss − round trip, and each warm cost over its floor.
 *
 * @module
 */
import type { BenchConfig } from '../config.js';
import { CLOUDS, type CloudId, type Deployment } from '../deployments.js';
import { runInterleaved, type Sampler } from '../interleave.js';
import { roundMs, roundSummary, summarize, type Summary } from '../stats.js';
import { takeOverConsole } from './console-sink.js';
import { closeRttConnections, emulatorRttSampler } from './emulator-rtt.js';
import { type Alg, localVerifier, objectSignatureSampler, signSampler, verifyAfterRoundTripSampler, verifySampler } from './floor.js';
import { loadBundles } from './load-bundles.js';
import { sdkPair } from './sdk-compare.js';
import { hitSampler, type MissSplit, missSampler, primedHitToken, signedSampler } from './warm.js';

const ALGS: readonly Alg[] = ['ES256', 'RS256'];

export interface WarmCloud {
  /** Cache hit, log lines built but not written. */
  readonly hit: Record<Alg, Summary>;
  /** Cache hit, ES256, log line written to /dev/null. */
  readonly hitLogged: Summary;
  /** Cache miss (new subject each time), ES256, one STS/IAM call to the emulator. */
  readonly miss: Summary;
  /** The emulator's own round trip, node:http keep-alive (the leanest client). */
  readonly emulatorRtt: Summary;
  /** The same round trip through stsgate's own HTTP client (lib/net/http-client.ts). */
  readonly emulatorRttStsgate: Summary;
  /** p50(miss) − p50(emulator round trip, node:http). */
  readonly missMinusRttMs: number;
  /** The miss split by the function's own log line (see warm.ts). */
  readonly missSplit: MissSplit;
  /** The floor: one verification (per algorithm) + one signature with this cloud's signer, p50s added. */
  readonly floorMs: Record<Alg, number>;
  readonly hitOverFloor: Record<Alg, number>;
  readonly missMinusRttOverFloor: number;
  /** The signing routes, warm (signing role's keys held, no STS call), ES256. */
  readonly signed: SignedRoutes;
}

export interface SignedRoutes {
  /** `…/uploads`: a POST form for a fresh key. */
  readonly upload: Summary;
  /** `…/downloads`: a presigned GET with a download name. */
  readonly download: Summary;
  /** Their floors: one ES256 verification + the form's (or the URL's) signature alone, p50s added. */
  readonly uploadFloorMs: number;
  readonly downloadFloorMs: number;
  readonly uploadOverFloor: number;
  readonly downloadOverFloor: number;
  /** Over the verification alone, for comparison: all the rest of a signed request, signature included. */
  readonly uploadOverVerify: number;
}

export interface SdkCompareCloud {
  readonly sdkCall: string;
  readonly stsgateCall: string;
  readonly sdk: Summary;
  readonly stsgate: Summary;
  /** stsgate / SDK. */
  readonly ratioP50: number;
  readonly ratioP99: number;
}

export interface InProcessResults {
  readonly source: string;
  readonly logging: string;
  readonly rounds: number;
  readonly floor: {
    readonly verify: Record<Alg, Summary>;
    /** ES256 verification right after an (unmeasured) emulator round trip, as in a miss; not part of the floor. */
    readonly verifyAfterRoundTrip: Summary;
    readonly sign: Record<CloudId, Summary>;
    /** The signing routes' signatures alone (bench/sign/signed-upload.ts): a POST form, a presigned GET. */
    readonly signUpload: Record<CloudId, Summary>;
    readonly signDownload: Record<CloudId, Summary>;
  };
  readonly warm: Record<CloudId, WarmCloud>;
  readonly sdk: Record<CloudId, SdkCompareCloud>;
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

export async function runInProcess(
  config: BenchConfig,
  deployments: Record<CloudId, Deployment>,
  onProgress: (message: string) => void = () => {},
): Promise<InProcessResults> {
  const counts = (kind: keyof BenchConfig['samples']) => ({ warmup: config.warmup[kind], iterations: config.samples[kind] });
  const sink = takeOverConsole();
  const bundles = loadBundles(deployments);
  try {
    const samplers: Sampler[] = [];
    const missSplits = {} as Record<CloudId, () => MissSplit>;
    for (const cloud of CLOUDS) {
      const d: Deployment = deployments[cloud];
      const handler = bundles.handlers[cloud];
      for (const alg of ALGS) samplers.push(hitSampler(`hit:${cloud}:${alg}`, d, handler, await primedHitToken(d, handler, `hit-${alg.toLowerCase()}`, alg), counts('hits')));
      samplers.push(hitSampler(`hitLogged:${cloud}`, d, handler, await primedHitToken(d, handler, 'hit-logged', 'ES256'), counts('hits'), sink));
      const miss = await missSampler(`miss:${cloud}`, d, handler, counts('misses'), sink);
      missSplits[cloud] = miss.split;
      samplers.push(miss);
      samplers.push(emulatorRttSampler(`rtt:${cloud}`, d, 'http', counts('rtt')), emulatorRttSampler(`rttStsgate:${cloud}`, d, 'stsgate', counts('rtt')));
      samplers.push(signSampler(`sign:${cloud}`, d, counts('floor')));
      samplers.push(await signedSampler(`upload:${cloud}`, d, handler, 'uploads', counts('signed')), await signedSampler(`download:${cloud}`, d, handler, 'downloads', counts('signed')));
      samplers.push(objectSignatureSampler(`signUpload:${cloud}`, cloud, 'upload', counts('floor')), objectSignatureSampler(`signDownload:${cloud}`, cloud, 'download', counts('floor')));
    }
    for (const alg of ALGS) samplers.push(verifySampler(`verify:${alg}`, (await localVerifier(deployments.aliyun, alg)).verify, counts('floor')));
    samplers.push(
      verifyAfterRoundTripSampler(
        'verifyAfterRtt:ES256',
        (await localVerifier(deployments.aliyun, 'ES256')).verify,
        emulatorRttSampler('verifyAfterRtt:roundTrip', deployments.aliyun, 'http', { warmup: 0, iterations: 0 }),
        counts('misses'),
      ),
    );
    const pairs = Object.fromEntries(CLOUDS.map((cloud) => [cloud, sdkPair(deployments[cloud], counts('sdk'))])) as Record<CloudId, ReturnType<typeof sdkPair>>;
    for (const cloud of CLOUDS) samplers.push(pairs[cloud].sdk, pairs[cloud].stsgate);

    const samples = await runInterleaved(samplers, config.rounds, onProgress);
    const s = (id: string) => summarize(samples.get(id) ?? []);

    const verify = { ES256: s('verify:ES256'), RS256: s('verify:RS256') };
    const sign = Object.fromEntries(CLOUDS.map((c) => [c, s(`sign:${c}`)])) as Record<CloudId, Summary>;
    const signUpload = Object.fromEntries(CLOUDS.map((c) => [c, s(`signUpload:${c}`)])) as Record<CloudId, Summary>;
    const signDownload = Object.fromEntries(CLOUDS.map((c) => [c, s(`signDownload:${c}`)])) as Record<CloudId, Summary>;
    const warm = {} as Record<CloudId, WarmCloud>;
    const sdk = {} as Record<CloudId, SdkCompareCloud>;
    for (const cloud of CLOUDS) {
      const hit = { ES256: s(`hit:${cloud}:ES256`), RS256: s(`hit:${cloud}:RS256`) };
      const miss = s(`miss:${cloud}`);
      const rtt = s(`rtt:${cloud}`);
      const floorMs = { ES256: verify.ES256.p50 + sign[cloud].p50, RS256: verify.RS256.p50 + sign[cloud].p50 };
      const missMinusRtt = miss.p50 - rtt.p50;
      const upload = s(`upload:${cloud}`);
      const download = s(`download:${cloud}`);
      const uploadFloorMs = verify.ES256.p50 + signUpload[cloud].p50;
      const downloadFloorMs = verify.ES256.p50 + signDownload[cloud].p50;
      warm[cloud] = {
        hit: { ES256: roundSummary(hit.ES256), RS256: roundSummary(hit.RS256) },
        hitLogged: roundSummary(s(`hitLogged:${cloud}`)),
        miss: roundSummary(miss),
        emulatorRtt: roundSummary(rtt),
        emulatorRttStsgate: roundSummary(s(`rttStsgate:${cloud}`)),
        missMinusRttMs: roundMs(missMinusRtt),
        missSplit: { stsCallP50Ms: roundMs(missSplits[cloud]().stsCallP50Ms), restP50Ms: roundMs(missSplits[cloud]().restP50Ms) },
        floorMs: { ES256: roundMs(floorMs.ES256), RS256: roundMs(floorMs.RS256) },
        hitOverFloor: { ES256: ratio(hit.ES256.p50, floorMs.ES256), RS256: ratio(hit.RS256.p50, floorMs.RS256) },
        missMinusRttOverFloor: ratio(missMinusRtt, floorMs.ES256),
        signed: {
          upload: roundSummary(upload),
          download: roundSummary(download),
          uploadFloorMs: roundMs(uploadFloorMs),
          downloadFloorMs: roundMs(downloadFloorMs),
          uploadOverFloor: ratio(upload.p50, uploadFloorMs),
          downloadOverFloor: ratio(download.p50, downloadFloorMs),
          uploadOverVerify: ratio(upload.p50, verify.ES256.p50),
        },
      };
      const sdkSummary = s(`sdk:${cloud}:sdk`);
      const ours = s(`sdk:${cloud}:stsgate`);
      sdk[cloud] = {
        sdkCall: pairs[cloud].sdkCall,
        stsgateCall: pairs[cloud].stsgateCall,
        sdk: roundSummary(sdkSummary),
        stsgate: roundSummary(ours),
        ratioP50: ratio(ours.p50, sdkSummary.p50),
        ratioP99: ratio(ours.p99, sdkSummary.p99),
      };
    }
    return {
      source: 'built bundles (dist/<cloud>/index.js), loaded in-process with require',
      logging: 'console.log replaced: each log line is built, then dropped (hit, logging on: written to /dev/null with writeSync)',
      rounds: config.rounds,
      floor: {
        verify: { ES256: roundSummary(verify.ES256), RS256: roundSummary(verify.RS256) },
        verifyAfterRoundTrip: roundSummary(s('verifyAfterRtt:ES256')),
        sign: Object.fromEntries(CLOUDS.map((c) => [c, roundSummary(sign[c])])) as Record<CloudId, Summary>,
        signUpload: Object.fromEntries(CLOUDS.map((c) => [c, roundSummary(signUpload[c])])) as Record<CloudId, Summary>,
        signDownload: Object.fromEntries(CLOUDS.map((c) => [c, roundSummary(signDownload[c])])) as Record<CloudId, Summary>,
      },
      warm,
      sdk,
    };
  } finally {
    closeRttConnections();
    bundles.restore();
    sink.restore();
  }
}
