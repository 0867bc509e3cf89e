package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Instance is one registry record: what the router last knew about the
// backend process of one project version. It is a record to re-check, never
// the truth: the process may have died or its pid been reused since.
//
// Records are stored as JSON in the instances bucket under Key. Unknown
// fields are ignored on reading, so an older build reads a newer build's
// records; times come back in UTC.
type Instance struct {
	// Key is the cleaned, symlink-resolved absolute project root; the
	// caller computes it. The store uses it as given.
	Key     string `json:"key"`
	Root    string `json:"root,omitempty"`
	Slug    string `json:"slug,omitempty"`
	Version string `json:"version,omitempty"`
	Engine  string `json:"engine,omitempty"`

	PID int `json:"pid,omitempty"`
	// StartTime is the process start time as the OS reports it (Linux:
	// /proc/<pid>/stat field 22), an opaque number compared with a fresh
	// reading to tell a reused pid apart.
	StartTime uint64 `json:"start_time,omitempty"`
	Socket    string `json:"socket,omitempty"`
	// Nonce is the secret the router gave the instance at spawn; a later
	// router proves it on the socket to adopt the instance (the file is
	// 0600, like the runtime folder).
	Nonce string `json:"nonce,omitempty"`
	// Status is one of starting, ready, idle, stopping, stopped, error.
	Status string `json:"status,omitempty"`

	Created       time.Time `json:"created,omitzero"`
	LastHeartbeat time.Time `json:"last_heartbeat,omitzero"`
	LastActivity  time.Time `json:"last_activity,omitzero"`

	LastError string `json:"last_error,omitempty"`
	Restarts  int    `json:"restarts,omitempty"`
	Calls     int64  `json:"calls,omitempty"`
}

// PutInstance stores in under in.Key, replacing any record there.
func (s *Store) PutInstance(in Instance) error {
	if in.Key == "" {
		return errors.New("storing instance: empty key")
	}
	v, err := encodeInstance(in)
	if err != nil {
		return err
	}
	err = s.update(func(tx *bolt.Tx) error {
		return instances(tx).Put([]byte(in.Key), v)
	})
	if err != nil {
		return fmt.Errorf("storing instance %s: %w", in.Key, err)
	}
	return nil
}

// Instance returns the record stored under key; ok is false when there is
// none. A record that does not decode is logged and reported as missing.
func (s *Store) Instance(key string) (in Instance, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		b := instances(tx)
		if b == nil {
			return nil // a read-only Store on a file no router has set up
		}
		in, ok = s.decodeInstance(key, b.Get([]byte(key)))
		return nil
	})
	if err != nil {
		return Instance{}, false, fmt.Errorf("reading instance %s: %w", key, err)
	}
	return in, ok, nil
}

// Instances returns every record, sorted by Key. Records that do not decode
// are logged and left out.
func (s *Store) Instances() ([]Instance, error) {
	var all []Instance
	err := s.view(func(tx *bolt.Tx) error {
		b := instances(tx)
		if b == nil {
			return nil
		}
		// bbolt keeps keys in byte order, which is the order we promise.
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil // a nested bucket: not a record
			}
			if in, ok := s.decodeInstance(string(k), v); ok {
				all = append(all, in)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing instances: %w", err)
	}
	return all, nil
}

// UpdateInstance reads the record under key, lets fn change it and stores
// it, all in one write transaction, so concurrent updates never lose each
// other's changes. When there is no record (or it does not decode), fn sees
// a zero Instance with only Key set, and the result is created: return an
// error from fn to leave the store unchanged. fn's error is returned
// wrapped. fn must not change Key, and runs while other writes wait, so it
// must be quick and must not call the Store.
func (s *Store) UpdateInstance(key string, fn func(*Instance) error) error {
	if key == "" {
		return errors.New("updating instance: empty key")
	}
	err := s.update(func(tx *bolt.Tx) error {
		b := instances(tx)
		in, ok := s.decodeInstance(key, b.Get([]byte(key)))
		if !ok {
			in = Instance{Key: key}
		}
		if err := fn(&in); err != nil {
			return err
		}
		if in.Key != key {
			return fmt.Errorf("the update changed the key to %q", in.Key)
		}
		v, err := encodeInstance(in)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), v)
	})
	if err != nil {
		return fmt.Errorf("updating instance %s: %w", key, err)
	}
	return nil
}

// DeleteInstance removes the record under key; a missing record is not an
// error.
func (s *Store) DeleteInstance(key string) error {
	err := s.update(func(tx *bolt.Tx) error {
		return instances(tx).Delete([]byte(key))
	})
	if err != nil {
		return fmt.Errorf("deleting instance %s: %w", key, err)
	}
	return nil
}

// instances is the registry bucket; Open creates it on a writable Store, so
// it is nil only in a read-only Store on a file no router has set up.
func instances(tx *bolt.Tx) *bolt.Bucket { return tx.Bucket([]byte(bucketInstances)) }

func encodeInstance(in Instance) ([]byte, error) {
	// UTC drops the monotonic reading and the local zone, so a record reads
	// the same on any machine.
	in.Created, in.LastHeartbeat, in.LastActivity = in.Created.UTC(), in.LastHeartbeat.UTC(), in.LastActivity.UTC()
	v, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("encoding instance %s: %w", in.Key, err)
	}
	return v, nil
}

// decodeInstance decodes the record v stored under key; ok is false when v is
// nil or does not decode (logged: the registry is a record to re-check, and
// one bad record must not hide the others).
func (s *Store) decodeInstance(key string, v []byte) (in Instance, ok bool) {
	if v == nil {
		return Instance{}, false
	}
	if err := json.Unmarshal(v, &in); err != nil {
		s.log.Warn("store: skipping an instance record that does not decode", "key", key, "err", err)
		return Instance{}, false
	}
	// The bucket key is the truth; a record's own copy is for people reading
	// the file.
	in.Key = key
	return in, true
}
