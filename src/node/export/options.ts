// The export's options live in src/shared (the renderer's File → Export… dialog and the contract
// use them too); re-exported here for the Node modules of the export.
export * from '../../shared/export-options';
