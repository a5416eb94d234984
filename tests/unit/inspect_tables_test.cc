// The tables of `codearena inspect top`: actors ranked by what they did since the screen before.
#include <catch2/catch.hpp>

#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/inspect_tables.h"

using codearena::app::actor_activity_tables;
using nlohmann::json;

namespace {

using Row = std::vector<std::string>;
using Names = std::vector<std::string>;

json actor(const std::string& name, int64_t handled, int64_t busy_us) {
  return {{"name", name}, {"type", name},      {"mailbox", 0}, {"handled", handled},
          {"idleMs", 5},  {"busyUs", busy_us}, {"state", "ok"}};
}

json answer(json actors) {
  return {{"nodes", json::array({{{"id", "n1"}, {"answered", true}, {"actors", actors}}})}};
}

// The rows of the table under `title` as words (title and header left out); tables are
// separated by a blank line.
std::vector<Row> section(const std::string& screen, const std::string& title) {
  const size_t start = screen.find(title);
  REQUIRE(start != std::string::npos);
  std::istringstream lines(screen.substr(start, screen.find("\n\n", start) - start));
  std::vector<Row> rows;
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    Row row{std::istream_iterator<std::string>(words), {}};
    if (!row.empty() && row[0] == "n1") rows.push_back(row);
  }
  return rows;
}

// The actors of the table under `title`, top to bottom.
Names order(const std::string& screen, const std::string& title) {
  Names names;
  for (const auto& row : section(screen, title)) names.push_back(row.at(1));
  return names;
}

}  // namespace

TEST_CASE("top ranks actors by the messages they handled since the screen before", "[inspect]") {
  const json before = answer({actor("pool", 1000, 1000), actor("scheduler", 10, 100)});
  const json now = answer({actor("pool", 1001, 1010), actor("scheduler", 60, 600)});
  const std::string screen = actor_activity_tables(now, before, 10);
  CHECK(order(screen, "busiest actors") == Names{"scheduler", "pool"});
  // NODE ACTOR MAILBOX HANDLED MEAN-US IDLE STATE, counted since the screen before.
  const auto busiest = section(screen, "busiest actors");
  CHECK(busiest.at(0) == Row{"n1", "scheduler", "0", "50", "10", "5ms", "ok"});
  CHECK(busiest.at(1) == Row{"n1", "pool", "0", "1", "10", "5ms", "ok"});
}

TEST_CASE("top ranks actors by their mean time per message", "[inspect]") {
  const json now = answer({actor("quick", 100, 100), actor("slow", 2, 2000)});
  const std::string screen = actor_activity_tables(now, json(), 10);
  CHECK(order(screen, "slowest actors") == Names{"slow", "quick"});
  CHECK(order(screen, "busiest actors") == Names{"quick", "slow"});
}

TEST_CASE("top counts an actor that started again from its start", "[inspect]") {
  const json before = answer({actor("pool", 500, 500)});
  const json now = answer({actor("pool", 7, 70)});
  const auto busiest = section(actor_activity_tables(now, before, 10), "busiest actors");
  CHECK(busiest.at(0) == Row{"n1", "pool", "0", "7", "10", "5ms", "ok"});
}
