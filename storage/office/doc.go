// Package office writes and reads the documents that leave the system:
// spreadsheets (.xlsx, through excelize) and printed pages (PDF, through
// fpdf, in a font that has every Vietnamese letter).
//
// It knows nothing of persons or reports: it writes tables of typed cells
// ([Workbook]), reads the rows of a sheet as strings within limits
// ([ReadSheet]), and lays out pages of headings, tables and a population
// pyramid ([PDF]), and draws the boxes and lines of forms filled in by hand
// (storage/paper's sheets). What goes in them is decided by the packages that own
// the data: storage/report renders its statistics and worklist through
// it, and the import and export of persons render and read theirs.
//
// It sits under storage, and imports nothing of the project but the
// embedded fonts (assets/fonts), because the layering is one-way
// (cmd → app → sync → storage → crypto): the import of persons lives in
// storage and reads spreadsheets through this package, so the package must
// be below storage; kitctl, the app and storage/report reach it from above.
//
// DESIGN.md beside this file says what it writes, the limits of the
// reader, and the font and its licence.
package office
