// The shared vocabulary of the templates: users, hosts, domains, addresses, paths, file names, services,
// packages. Every value is invented for this corpus (fictional organisations, random identifiers).
#pragma once

#include "data/generator/template_engine.h"

namespace attune::data::gen {

// Adds every slot of the project vocabulary to `table` (before SlotTable::finalize()).
void register_vocabulary(SlotTable& table);

}  // namespace attune::data::gen
