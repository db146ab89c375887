import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from '../telemetry/logger.js';
import { Counter, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from '../telemetry/metrics.js';
import { ValidationError, describeError } from '../lib/errors.js';
import type { KeystoneAuthenticator } from './authenticator.js';
import { authorize, type AuthorizerOptions } from './authorizer.js';
import { admissionResponse, admit, admitNamespace, parseAdmissionReview, type NamespaceQuotaSource, type TenantPolicySource } from './admission.js';
import { parseSubjectAccessReview, parseTokenReview, subjectAccessReviewResponse, tokenReviewResponse } from './reviews.js';

export interface WebhookAppOptions {
  logger: Logger;
  registry: Registry;
  authenticator: KeystoneAuthenticator;
  authorizer: AuthorizerOptions;
  maxBodyBytes: number;
  /** Tenant policies for admission; without them /admit/* refuses everything (fail closed). */
  tenantPolicies?: TenantPolicySource;
  /** Tenants and their namespace counts, for tenant admins creating namespaces. */
  namespaceQuota?: NamespaceQuotaSource;
  /** Whether the Tenant objects admission reads have synced (admission refuses until then). */
  tenantsSynced?: () => boolean;
  /** Extra readiness facts (e.g. Keystone reachability); informational, never fails readiness. */
  keystoneStatus?: () => Promise<{ ok: boolean; message: string }>;
  https?: { key: string; cert: string } | undefined;
}

/**
 * Builds the webhook HTTP app (authn, authz, health, metrics). Never listens: the caller decides.
 * Errors map to HTTP in one place: ValidationError → 400, oversized → 413, wrong media type → 415,
 * anything else → 500 (the apiserver treats a non-200 as a failed review: fail closed).
 */
export function buildWebhookApp(o: WebhookAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: o.logger,
    // Reviews are logged by the handlers (outcome, never the body); per-request access lines would be noise.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: o.maxBodyBytes,
    ...(o.https ? { https: o.https } : {}),
  }) as unknown as FastifyInstance;
  // Reviews are JSON only. Fastify also parses text/plain by default, which would turn a review sent with the
  // wrong media type into a confusing "body must be an object" 400 instead of the documented 415.
  app.removeContentTypeParser('text/plain');

  const requests = new Counter({ name: 'stackube_webhook_requests_total', help: 'Review requests by endpoint and outcome', labelNames: ['endpoint', 'outcome'], registers: [o.registry] });
  const latency = new Histogram({ name: 'stackube_webhook_request_duration_seconds', help: 'Review handling latency', labelNames: ['endpoint'], buckets: LATENCY_BUCKETS, registers: [o.registry] });
  new Gauge({ name: 'stackube_webhook_token_cache_entries', help: 'Validated tokens held in memory', registers: [o.registry], collect() { this.set(o.authenticator.cacheSize); } });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const endpoint = req.url.split('?')[0] ?? '';
    if (err instanceof ValidationError) {
      requests.inc({ endpoint, outcome: 'bad_request' });
      return reply.code(400).send({ error: err.message, code: err.code });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      requests.inc({ endpoint, outcome: 'too_large' });
      return reply.code(413).send({ error: `request body larger than ${o.maxBodyBytes} bytes`, code: 'STACKUBE_ERR_INPUT_TOO_LARGE' });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      requests.inc({ endpoint, outcome: 'bad_request' });
      return reply.code(415).send({ error: 'Content-Type must be application/json', code: 'STACKUBE_ERR_INPUT_MEDIA_TYPE' });
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      requests.inc({ endpoint, outcome: 'bad_request' });
      return reply.code(err.statusCode).send({ error: err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? `the body is not valid JSON: ${err.message}` : err.message, code: 'STACKUBE_ERR_INPUT_INVALID' });
    }
    requests.inc({ endpoint, outcome: 'error' });
    req.log.error({ err, endpoint }, 'review failed');
    return reply.code(500).send({ error: 'internal error; the review is refused', code: 'STACKUBE_ERR_WEBHOOK_INTERNAL' });
  });

  app.post('/authenticate', async (req, reply) => {
    const end = latency.startTimer({ endpoint: '/authenticate' });
    const review = parseTokenReview(req.body);
    const r = await o.authenticator.authenticate(review.token);
    end();
    if (r.ok) {
      requests.inc({ endpoint: '/authenticate', outcome: r.cached ? 'authenticated_cached' : 'authenticated' });
      return reply.send(tokenReviewResponse(review.apiVersion, { user: r.user }));
    }
    requests.inc({ endpoint: '/authenticate', outcome: r.kind });
    req.log[r.kind === 'unavailable' ? 'warn' : 'info']({ kind: r.kind, reason: r.error }, 'token refused');
    return reply.send(tokenReviewResponse(review.apiVersion, { error: r.error }));
  });

  app.post('/authorize', async (req, reply) => {
    const end = latency.startTimer({ endpoint: '/authorize' });
    const review = parseSubjectAccessReview(req.body);
    let d;
    try {
      d = authorize(o.authorizer, review.request);
    } catch (e) {
      // An evaluation bug must never allow: deny with the reason.
      d = { allowed: false, denied: true, reason: 'authorization failed', evaluationError: describeError(e) };
    }
    end();
    requests.inc({ endpoint: '/authorize', outcome: d.allowed ? 'allowed' : d.denied ? 'denied' : 'no_opinion' });
    return reply.send(subjectAccessReviewResponse(review.apiVersion, d));
  });

  for (const [path, mutate] of [['/admit/mutate', true], ['/admit/validate', false]] as const) {
    app.post(path, async (req, reply) => {
      const end = latency.startTimer({ endpoint: path });
      const review = parseAdmissionReview(req.body);
      let outcome;
      if (!o.tenantPolicies) outcome = { allowed: false, message: 'stackube: admission is not configured; refusing (fail closed)' };
      else if (o.authorizer.tenantRules && (!o.authorizer.namespaces.synced || !(o.tenantsSynced?.() ?? true))) outcome = { allowed: false, message: 'stackube: the namespace and tenant caches have not synced yet; try again shortly' };
      else if (review.kind.group === '' && review.kind.kind === 'Namespace') {
        outcome = o.namespaceQuota ? admitNamespace(o.namespaceQuota, review, mutate) : { allowed: false, message: 'stackube: namespace self-service is not configured; refusing (fail closed)' };
      } else outcome = admit(o.tenantPolicies, review, mutate);
      end();
      requests.inc({ endpoint: path, outcome: outcome.allowed ? (outcome.patch ? 'patched' : 'allowed') : 'denied' });
      if (!outcome.allowed) req.log.info({ namespace: review.namespace, kind: review.kind.kind, reason: outcome.message }, 'admission refused');
      return reply.send(admissionResponse(review.uid, outcome));
    });
  }

  app.get('/healthz', (_req, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const nsReady = !o.authorizer.tenantRules || o.authorizer.namespaces.synced;
    const keystone = o.keystoneStatus ? await o.keystoneStatus() : undefined;
    return reply.code(nsReady ? 200 : 503).send({ status: nsReady ? 'ready' : 'not ready', namespaces: nsReady ? 'synced' : 'not synced', keystone });
  });
  app.get('/metrics', async (_req, reply) => reply.type(o.registry.contentType).send(await o.registry.metrics()));
  return app;
}
