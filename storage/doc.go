// Package storage holds the records of communekit and the encrypted store
// of a commune device.
//
// # Records
//
// A [Person] holds every field the national population database keeps
// (DESIGN.md, "The records"), one slot per [Field], each in a canonical text form
// (dates "1990", "1990-05" or "1990-05-17"; codes for ethnicity, religion,
// nationality and administrative units; names in NFC). [Canonicalize] turns
// what an officer typed into that form; [ValidatePerson],
// [CheckParentChild] and [CheckHouseholdHeads] check whole records and give
// [Problems] that name the field, in Vietnamese and English. A [Household]
// has a number, an address and one head; members are the persons whose
// household_number is its number.
//
// # Operations
//
// Every change is an [Op]: one officer changing one record on one device
// for one reason ([Event]), numbered 1, 2, 3… per device, stamped with a
// hybrid logical clock ([HLC]), and carrying for each field the [Version]
// the officer saw, the old value and the new. Operations are the change
// log, the history an officer reads, and what later travels in sealed
// batches and merges at the district. Record identifiers ([ID]) are the
// creating device's tag and counter: stable, unique without coordination,
// and cheap to delta-encode.
//
// # The store
//
// [Create] and [Open] manage a profile directory: a plaintext marker with no
// personal data, a random master key wrapped under the passphrase
// (crypto/keyring), and a Badger store encrypted with that key holding the
// records, the operations, the history index and the search index. A save
// returns once it is on disk. See DESIGN.md in this directory for why it is
// built this way.
package storage
