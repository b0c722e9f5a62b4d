"""Writes real oslo.log text in a site's own layout, for test/records/oslo-layout-real.test.ts.

Usage: /usr/bin/python3 oslo_layout_writer.py LAYOUT OUT_DIR

Writes OUT_DIR/nova.conf with the layout's logging_context_format_string,
logging_default_format_string and logging_exception_prefix, then has oslo.config read that file
and oslo.log's ContextFormatter write OUT_DIR/nova.log with the calls of oslo_writer.py plus a
message longer than a container runtime's 16 KiB buffer, and OUT_DIR/text.manifest.jsonl as
oslo_writer.py does. LAYOUT is one of:
  operator  [%(request_id)s g%(global_request_id)s %(user_identity)s], no pid
  hostname  the host name after the time (a logging filter sets %(hostname)s, as JSONFormatter has it)
  nomsecs   whole seconds, no %(msecs)03d; a literal %% in the format
"""
import json
import logging
import os
import socket
import sys

from oslo_config import cfg
from oslo_log import log

import oslo_writer

HOST = 'cp-7.example.org'
LAYOUTS = {
    'operator': {
        'logging_context_format_string':
            '%(asctime)s.%(msecs)03d %(levelname)s %(name)s [%(request_id)s '
            'g%(global_request_id)s %(user_identity)s] %(instance)s%(message)s',
        'logging_default_format_string':
            '%(asctime)s.%(msecs)03d %(levelname)s %(name)s [-] %(instance)s%(message)s',
        'logging_exception_prefix':
            '%(asctime)s.%(msecs)03d TRACE %(name)s %(instance)s',
    },
    'hostname': {
        'logging_context_format_string':
            '%(asctime)s.%(msecs)03d %(hostname)s %(process)d %(levelname)s %(name)s '
            '[%(global_request_id)s %(request_id)s %(user_identity)s] %(instance)s%(message)s',
        'logging_default_format_string':
            '%(asctime)s.%(msecs)03d %(hostname)s %(process)d %(levelname)s %(name)s [-] '
            '%(instance)s%(message)s',
        'logging_exception_prefix':
            '%(asctime)s.%(msecs)03d %(hostname)s %(process)d ERROR %(name)s %(instance)s',
    },
    'nomsecs': {
        'logging_context_format_string':
            '%(asctime)s %(process)d %(levelname)-8s %(name)s 100%% '
            '[%(request_id)s %(user_identity)s] %(instance)s%(message)s',
        'logging_default_format_string':
            '%(asctime)s %(process)d %(levelname)-8s %(name)s 100%% [-] %(instance)s%(message)s',
        'logging_exception_prefix': '%(asctime)s %(process)d ERROR %(name)s %(instance)s',
    },
}


class Hostname(logging.Filter):
    """What a site adds so that its format can name the host."""

    def filter(self, record):
        record.hostname = HOST
        return True


def main():
    layout, out_dir = sys.argv[1], sys.argv[2]
    conf_path = os.path.join(out_dir, 'nova.conf')
    with open(conf_path, 'w') as f:
        f.write('[DEFAULT]\ndebug = True\nlog_file = %s\n' % os.path.join(out_dir, 'nova.log'))
        for key, value in LAYOUTS[layout].items():
            f.write('%s = %s\n' % (key, value))
        f.write('\n[libvirt]\nvirt_type = kvm\n')
    conf = cfg.ConfigOpts()
    log.register_options(conf)
    conf(['--config-file', conf_path], project='nova')
    log.setup(conf, 'nova')
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(Hostname())
    root.addHandler(oslo_writer.Manifest(os.path.join(out_dir, 'text.manifest.jsonl')))
    oslo_writer.log_calls()
    # Longer than containerd's and Docker's 16 KiB line buffer: written in pieces when wrapped.
    log.getLogger('nova.virt.libvirt.driver').info(
        'Long line %s end', 'x' * 40000,
        context=oslo_writer.context.RequestContext(
            user_id='u-admin', project_id='p-demo', request_id=oslo_writer.REQ),
        instance={'uuid': oslo_writer.INSTANCE})


if __name__ == '__main__':
    main()
