"""The demo world "The Saltmarch" (world_id `saltmarch`): its catalogue and its lore.

- `catalog.yaml` — the one list of the world's things, read with `load_demo_world()`.
- `lore/` — 13 Markdown documents with YAML front matter (`lore_dir()`, `load_lore_documents()`):

  ==========================  ==========  ================================================
  file                        doc_type    about
  ==========================  ==========  ================================================
  01_overview.md              overview    geography, regions, climate, powers
  02_history.md               history     the reckoning of years since the Grey Night
  03_salt_and_ships.md        faction     Panwrights' Guild and Brine Compact
  04_road_choir_lanterns.md   faction     Causeway Wardens, Ebbing Choir, Lantern Salvagers
  05_people_of_the_saltings   character   NPCs of Brinehold, the pans, causeway and keep
  06_people_of_coast_and_fen  character   NPCs of the Outer Reach and the Fenward
  07_saltings_and_tidewastes  location    Brinehold, Sallow Pans, causeway, keep, flats, Lowbell
  08_reach_and_fenward        location    Gullhaven, Cockle End, Wrackspire, Reedmere, ...
  09_the_ebb                  religion    the faith of the Ebbing Choir
  10_trade_and_prices         economy     goods, prices, tolls, markets
  11_open_quests              quest       the eight open quest lines
  12_beasts_of_the_marsh      bestiary    creatures of flats, reeds and sea
  13_customs                  culture     customs, feasts, speech, food
  ==========================  ==========  ================================================
"""

from loreline.demo_world.catalog import DemoWorld, load_demo_world
from loreline.demo_world.lore_documents import LoreDocument, load_lore_documents, lore_dir

__all__ = ["DemoWorld", "LoreDocument", "load_demo_world", "load_lore_documents", "lore_dir"]
