// The import's options live in src/shared (the renderer's File → Import… dialog uses them too);
// re-exported here for the importers.
export * from '../../shared/import-options';
