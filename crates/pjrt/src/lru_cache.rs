//! A map with a size bound that drops its least recently used entry when full (the eager
//! executables' cache).

use std::collections::HashMap;
use std::hash::Hash;

/// At most `capacity` entries; `get` and `insert` count as uses.
pub(crate) struct LruCache<K, V> {
    entries: HashMap<K, (V, u64)>,
    tick: u64,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> LruCache<K, V> {
    /// An empty cache holding at most `capacity` (at least one) entries.
    pub(crate) fn new(capacity: usize) -> LruCache<K, V> {
        LruCache {
            entries: HashMap::new(),
            tick: 0,
            capacity: capacity.max(1),
        }
    }

    /// The value under `key`, now the most recently used.
    pub(crate) fn get(&mut self, key: &K) -> Option<V> {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(key).map(|(v, used)| {
            *used = tick;
            v.clone()
        })
    }

    /// Stores `value` under `key`, first dropping the least recently used entry if the cache
    /// is full. The scan for it is linear, but only a miss in a full cache pays it, and a miss
    /// costs a compilation.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.entries.remove(&k);
            }
        }
        self.tick += 1;
        self.entries.insert(key, (value, self.tick));
    }

    /// How many entries are held.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::LruCache;

    #[test]
    fn the_least_recently_used_entry_goes_first() {
        let mut cache = LruCache::new(2);
        cache.insert("a", 1);
        cache.insert("b", 2);
        assert_eq!(cache.get(&"a"), Some(1)); // "b" is now the oldest
        cache.insert("c", 3);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(&"b"), None);
        assert_eq!(cache.get(&"a"), Some(1));
        assert_eq!(cache.get(&"c"), Some(3));
        // Replacing a present key evicts nothing.
        cache.insert("c", 4);
        assert_eq!((cache.get(&"a"), cache.get(&"c")), (Some(1), Some(4)));
    }
}
