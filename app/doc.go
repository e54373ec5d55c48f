// Package app is the desktop application (app/DESIGN.md). Its parts:
//
//   - app/vm: the view models. Every screen's state and behaviour lives
//     there and is tested without a display (CGO_ENABLED=0).
//   - app/ui: thin Fyne screens bound to the view models.
//   - app/i18n: the translation layer over assets/i18n (vi, en).
//   - app/drives: the USB sticks and drives the folder chooser offers
//     first (mount folders on Linux, drive letters on Windows; no cgo).
//   - app/demo: the demo profile that `communekit --demo` opens, enrolled
//     with a demo district whose one node runs in the app on loopback.
//
// The app calls storage and sync (sync/client for the sync screen and the
// import of batch files from a USB stick) through their public APIs only;
// it has no storage or network code of its own. A household split or merge
// is saved whole with storage.Store.EditPersons.
//
// Keys: Tab moves between inputs, Enter saves, Esc cancels or goes back,
// Ctrl+F searches, Ctrl+Y syncs (app/ui/widgets.go says why not Ctrl+S).
package app
