import t from 'tap';
import { compareRotation, hostFromLayout, looksLikeHost, parseRotationName, serviceFromFileName } from '../../src/sources/names.js';
import { orderRotatedSets } from '../../src/sources/discover.js';

t.test('rotation suffixes: numbers, dates, compression', async (t) => {
  t.same(parseRotationName('nova-compute.log.2.gz'), { base: 'nova-compute.log', date: '', number: 2 });
  t.same(parseRotationName('nova-compute.log'), { base: 'nova-compute.log', date: '', number: 0 });
  t.same(parseRotationName('x.log-20240101.gz'), { base: 'x.log', date: '20240101', number: 0 });
  t.same(parseRotationName('nova-api.log.1.2017-05-16_13:53:08'), { base: 'nova-api.log', date: '20170516135308', number: 1 });
  t.same(parseRotationName('syslog.1'), { base: 'syslog', date: '', number: 1 });
});

t.test('rotated sets are ordered oldest first, sets by name', async (t) => {
  const names = ['x.log', 'x.log.1', 'a.log', 'x.log.10.gz', 'x.log.2.gz', 'a.log-20240102', 'a.log-20240101.gz'];
  t.same(orderRotatedSets(names.map((name) => ({ name }))).map((f) => f.name),
    ['a.log-20240101.gz', 'a.log-20240102', 'a.log', 'x.log.10.gz', 'x.log.2.gz', 'x.log.1', 'x.log']);
  t.ok(compareRotation(parseRotationName('y.log-20240101'), parseRotationName('y.log.1')) < 0, 'a dated file before a numbered one');
});

t.test('service from the file name', async (t) => {
  t.equal(serviceFromFileName('nova-compute.log.2.gz'), 'nova-compute');
  t.equal(serviceFromFileName('nova-api.log'), 'nova-api');
  t.equal(serviceFromFileName('syslog'), 'syslog');
  t.equal(serviceFromFileName('messages-20240101.gz'), 'messages');
  t.equal(serviceFromFileName('neutron-server.json.log'), 'neutron-server');
  t.equal(serviceFromFileName('.log'), null);
});

t.test('host from the layout of collected logs', async (t) => {
  t.equal(hostFromLayout('collected', ['cp-1', 'nova-compute.log']), 'cp-1');
  t.equal(hostFromLayout('collected', ['cp-1', 'var', 'log', 'nova', 'nova-compute.log']), 'cp-1');
  t.equal(hostFromLayout('cp-2.example.org', ['nova-compute.log']), 'cp-2.example.org');
  t.equal(hostFromLayout('log', ['nova', 'nova-compute.log']), null, '/var/log/nova: no host');
  t.equal(hostFromLayout('nova', ['nova-compute.log']), null);
  t.equal(hostFromLayout('cp-3', ['nova', 'nova-compute.log']), 'cp-3', 'a service folder below a host folder');
  t.notOk(looksLikeHost('2024'));
  t.notOk(looksLikeHost('bad_name'));
  t.ok(looksLikeHost('compute-07'));
  t.ok(looksLikeHost('compute 07'), 'a folder named with a space is a host');
  t.notOk(looksLikeHost(' cp-1'), 'not with a space at either end');
  t.equal(hostFromLayout('collected', ['cp 7', 'nova-compute.log']), 'cp 7');
});
