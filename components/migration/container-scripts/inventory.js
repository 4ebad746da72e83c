// Prints one line per collection of every non-system database (used by migrate-data.sh):
// "collection<TAB><db>.<collection><TAB><document count><TAB><sorted index keys>".
const skip = ["admin", "config", "local"];
db.getMongo()
  .getDBNames()
  .filter((d) => !skip.includes(d))
  .sort()
  .forEach((d) => {
    const database = db.getSiblingDB(d);
    database
      .getCollectionInfos({ type: "collection" })
      .map((c) => c.name)
      .filter((c) => !c.startsWith("system."))
      .sort()
      .forEach((c) => {
        const coll = database.getCollection(c);
        const indexes = coll
          .getIndexes()
          .map((i) => JSON.stringify(i.key) + (i.unique ? " unique" : ""))
          .sort()
          .join(";");
        print(["collection", `${d}.${c}`, coll.countDocuments({}), indexes].join("\t"));
      });
  });
