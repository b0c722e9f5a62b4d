"""Writes real oslo.log output for test/records/oslo-real.test.ts.

Usage: /usr/bin/python3 oslo_writer.py text|json OUT_DIR

Writes OUT_DIR/nova.log (text, oslo.log's default ContextFormatter via log.setup) or
OUT_DIR/nova.json (oslo_log.formatters.JSONFormatter), plus OUT_DIR/<mode>.manifest.jsonl:
one JSON line per log call with what Python knew (level, logger, epoch ms, pid, message),
so the test can check the parse against the logging records themselves.
"""
import json
import logging
import os
import sys

from oslo_config import cfg
from oslo_context import context
from oslo_log import formatters
from oslo_log import log

INSTANCE = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11'
OTHER_INSTANCE = '3f0e8a52-6c1d-4b7e-9d2a-5e4f3c2b1a09'
IMAGE = '0673dd71-34c5-4fbb-86c4-40623fbe45b4'
BASE = '/var/lib/nova/instances/_base/a489c868f0c37da93b76227c91bb03908ac0e742'
REQ = 'req-11111111-2222-4333-8444-555555555555'
GREQ = 'req-aaaaaaaa-2222-4333-8444-555555555555'
DOMAIN_XML = """<domain type="kvm">
  <uuid>%s</uuid>
  <name>instance-0000001a</name>
  <memory>524288</memory>
</domain>""" % INSTANCE


class Manifest(logging.Handler):
    """Records what each logging call was, independent of any formatter."""

    def __init__(self, path):
        super().__init__(logging.DEBUG)
        self.out = open(path, 'w')

    def emit(self, record):
        self.out.write(json.dumps({
            'level': record.levelname,
            'name': record.name,
            'ms': int(record.created) * 1000 + int(record.msecs),
            'pid': record.process,
            'message': record.getMessage(),
            'exc': bool(record.exc_info),
        }) + '\n')
        self.out.flush()


def setup(mode, out_dir):
    conf = cfg.ConfigOpts()
    log.register_options(conf)
    conf([], project='nova')
    conf.set_override('debug', True)
    if mode == 'text':
        conf.set_override('log_file', os.path.join(out_dir, 'nova.log'))
        log.setup(conf, 'nova')
    else:
        handler = logging.FileHandler(os.path.join(out_dir, 'nova.json'))
        handler.setFormatter(formatters.JSONFormatter())
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(Manifest(os.path.join(out_dir, mode + '.manifest.jsonl')))


def spawn_disk(path):
    raise OSError(28, 'No space left on device', path)


def spawn():
    spawn_disk('/var/lib/nova/instances/%s/disk' % INSTANCE)


def main():
    mode, out_dir = sys.argv[1], sys.argv[2]
    setup(mode, out_dir)
    log_calls()


def log_calls():
    """The logging calls every writer makes (oslo_layout_writer.py too)."""
    LOG = log.getLogger('nova.compute.manager')
    CACHE_LOG = log.getLogger('nova.virt.libvirt.imagecache')
    LOG.info('Compute service starting')
    # A new RequestContext becomes the thread's current one; each log call below names its own.
    with_global = context.RequestContext(
        user_id='u-admin', project_id='p-demo', request_id=REQ,
        global_request_id=GREQ)
    local_only = context.RequestContext(
        user_id='u-admin', project_id='p-demo', request_id=REQ)

    LOG.info('Claim successful', context=with_global,
             instance={'uuid': INSTANCE})
    LOG.warning('Instance power state mismatch', context=local_only,
                instance_uuid=OTHER_INSTANCE)
    LOG.debug('Domain XML:\n%s', DOMAIN_XML, context=local_only,
              instance={'uuid': INSTANCE})
    try:
        spawn()
    except OSError:
        LOG.exception('Instance failed to spawn', context=with_global,
                      instance={'uuid': INSTANCE})
    context._request_store.context = None  # no current context: oslo's default format
    try:
        spawn()
    except OSError:
        LOG.exception('Spawn failed without context')
    CACHE_LOG.info('image %(id)s at (%(base_file)s): checking',
                   {'id': IMAGE, 'base_file': BASE})
    CACHE_LOG.info('Removable base files: %s', BASE)
    LOG.info('Took 1.23 seconds to spawn the instance on the hypervisor.',
             context=local_only, instance={'uuid': INSTANCE})


if __name__ == '__main__':
    main()
