/**
 * oslo.log's JSONFormatter (oslo_log/formatters.py): `message`, `levelname`, `name`, `created`
 * (epoch seconds), `asctime`, `process`, `hostname`, `traceback` (list or null), `funcname`,
 * `pathname`, `lineno`, `context` (RequestContext.get_logging_values(): `request_id`,
 * `global_request_id`, `user`, `project`, older `user_id`/`project_id`/`tenant`) and `extra`
 * (keyword arguments: `instance` as a dict or formatted text, `instance_uuid`).
 */
import { emptyRecord, type LogRecord, type SourceRef } from './record.js';
import { levelFromWord } from './levels.js';
import { firstStr, instanceIdFrom, int, isObject, str, tracebackLines, type JsonObject } from './json-fields.js';
import { parseIsoTime, UTC, type TimeZone } from './time.js';

/** Whether a parsed JSON object is what oslo's JSONFormatter writes. */
export function isOsloJsonObject(o: JsonObject): boolean {
  return typeof o.levelname === 'string' && ('created' in o || 'asctime' in o);
}

export function parseOsloJsonObject(o: JsonObject, zone: TimeZone = UTC, source: SourceRef = { file: '', line: 0, lines: 1 }): LogRecord {
  const rec = emptyRecord({ ...source }, typeof o.message === 'string' ? o.message : String(o.message ?? o.msg ?? ''));
  rec.format = 'oslo-json';
  if (typeof o.created === 'number' && Number.isFinite(o.created)) {
    rec.time = Math.round(o.created * 1000);
    rec.timeText = typeof o.asctime === 'string' ? o.asctime : String(o.created);
  } else if (typeof o.asctime === 'string') {
    rec.timeText = o.asctime;
    rec.time = parseIsoTime(o.asctime, zone);
  }
  rec.levelText = o.levelname as string;
  rec.level = levelFromWord(rec.levelText);
  rec.logger = str(o.name);
  rec.pid = int(o.process);
  rec.host = str(o.hostname);
  rec.traceback = tracebackLines(o.traceback);
  const ctx = isObject(o.context) ? o.context : {};
  const extra = isObject(o.extra) ? o.extra : {};
  rec.requestId = firstStr(ctx, ['request_id']);
  rec.globalRequestId = firstStr(ctx, ['global_request_id']);
  rec.user = firstStr(ctx, ['user', 'user_id']);
  rec.project = firstStr(ctx, ['project', 'project_id', 'tenant']);
  rec.instanceId = instanceIdFrom(extra.instance) ?? instanceIdFrom(extra.instance_uuid)
    ?? instanceIdFrom(ctx.instance_uuid) ?? instanceIdFrom(ctx.instance);
  rec.imageId = instanceIdFrom(extra.image_id);
  const line = int(o.lineno);
  const path = str(o.pathname);
  const func = str(o.funcname ?? o.funcName);
  if (line !== null && path !== null && func !== null) rec.codeLocation = { func, path, line };
  return rec;
}
