// IndexedDB: the last manifest (kv) and the outbox of heartbeats and proof-of-play records.
//
// Records stay in the outbox until the controller acknowledged them, so nothing is lost while it is down;
// plays carry a uuid and the server ignores repeats, so a retry after a lost response counts once.

var DB_NAME = 'signage-player';
var MAX_HEARTBEATS = 60;

function req(r) {
  return new Promise(function (resolve, reject) {
    r.onsuccess = function () { resolve(r.result); };
    r.onerror = function () { reject(r.error); };
  });
}

function done(tx) {
  return new Promise(function (resolve, reject) {
    tx.oncomplete = function () { resolve(); };
    tx.onerror = function () { reject(tx.error); };
    tx.onabort = function () { reject(tx.error || new Error('transaction aborted')); };
  });
}

export class Store {
  open() {
    var self = this;
    if (this.ready) return this.ready;
    this.ready = new Promise(function (resolve, reject) {
      var r = indexedDB.open(DB_NAME, 1);
      r.onupgradeneeded = function () {
        var db = r.result;
        db.createObjectStore('kv');
        var out = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
        out.createIndex('kind', 'kind');
      };
      r.onsuccess = function () { self.db = r.result; resolve(self); };
      r.onerror = function () { reject(r.error); };
    });
    return this.ready;
  }

  async get(key) {
    await this.open();
    return req(this.db.transaction('kv').objectStore('kv').get(key));
  }

  async set(key, value) {
    await this.open();
    var tx = this.db.transaction('kv', 'readwrite');
    tx.objectStore('kv').put(value, key);
    return done(tx);
  }

  async clearAll() {
    await this.open();
    var tx = this.db.transaction(['kv', 'outbox'], 'readwrite');
    tx.objectStore('kv').clear();
    tx.objectStore('outbox').clear();
    return done(tx);
  }

  // Append a record; heartbeats beyond MAX_HEARTBEATS drop the oldest (plays are never dropped).
  async push(kind, body) {
    await this.open();
    var tx = this.db.transaction('outbox', 'readwrite');
    var store = tx.objectStore('outbox');
    store.add({ kind: kind, body: body });
    if (kind === 'heartbeat') {
      var index = store.index('kind');
      var count = await req(index.count('heartbeat'));
      if (count > MAX_HEARTBEATS) {
        var keys = await req(index.getAllKeys('heartbeat', count - MAX_HEARTBEATS));
        keys.forEach(function (k) { store.delete(k); });
      }
    }
    return done(tx);
  }

  // Oldest `limit` records of a kind: [{seq, kind, body}].
  async peek(kind, limit) {
    await this.open();
    return req(this.db.transaction('outbox').objectStore('outbox').index('kind').getAll(kind, limit));
  }

  async remove(seqs) {
    await this.open();
    var tx = this.db.transaction('outbox', 'readwrite');
    var store = tx.objectStore('outbox');
    seqs.forEach(function (s) { store.delete(s); });
    return done(tx);
  }

  async count(kind) {
    await this.open();
    return req(this.db.transaction('outbox').objectStore('outbox').index('kind').count(kind));
  }
}
