// The address classifier and the destination policy, as pure functions.
#include <catch2/catch.hpp>

#include "webhooks/address_policy.h"

using namespace codearena::webhooks;

namespace {

AddressClass class_of(const std::string& text) {
  const auto address = IpAddress::parse(text);
  REQUIRE(address.has_value());
  return classify_address(*address);
}

IpAddress address(const std::string& text) {
  const auto parsed = IpAddress::parse(text);
  REQUIRE(parsed.has_value());
  return *parsed;
}

}  // namespace

TEST_CASE("the classifier knows every special IPv4 block", "[webhooks][address]") {
  const std::pair<const char*, AddressClass> table[] = {
      {"0.0.0.0", AddressClass::unspecified},
      {"0.1.2.3", AddressClass::this_network},
      {"127.0.0.1", AddressClass::loopback},
      {"127.255.255.254", AddressClass::loopback},
      {"10.1.2.3", AddressClass::private_network},
      {"172.16.0.1", AddressClass::private_network},
      {"172.31.255.255", AddressClass::private_network},
      {"192.168.1.1", AddressClass::private_network},
      {"100.64.0.1", AddressClass::shared_cgnat},
      {"100.127.255.255", AddressClass::shared_cgnat},
      {"169.254.169.254", AddressClass::link_local},
      {"224.0.0.1", AddressClass::multicast},
      {"239.255.255.250", AddressClass::multicast},
      {"255.255.255.255", AddressClass::broadcast},
      {"240.0.0.1", AddressClass::reserved},
      {"192.0.2.10", AddressClass::reserved},
      {"198.18.0.1", AddressClass::reserved},
      {"192.0.0.170", AddressClass::reserved},
      {"8.8.8.8", AddressClass::public_unicast},
      {"172.15.255.255", AddressClass::public_unicast},
      {"172.32.0.0", AddressClass::public_unicast},
      {"100.63.255.255", AddressClass::public_unicast},
      {"100.128.0.0", AddressClass::public_unicast},
      {"169.253.0.1", AddressClass::public_unicast},
      {"1.1.1.1", AddressClass::public_unicast},
  };
  for (const auto& [text, expected] : table) {
    INFO(text);
    CHECK(class_of(text) == expected);
  }
}

TEST_CASE("the classifier knows every special IPv6 block", "[webhooks][address]") {
  const std::pair<const char*, AddressClass> table[] = {
      {"::", AddressClass::unspecified},
      {"::1", AddressClass::loopback},
      {"fe80::1", AddressClass::link_local},
      {"febf::1", AddressClass::link_local},
      {"fc00::1", AddressClass::private_network},
      {"fd12:3456::1", AddressClass::private_network},
      {"fec0::1", AddressClass::private_network},
      {"ff02::1", AddressClass::multicast},
      {"2001:db8::1", AddressClass::reserved},
      {"2001:0:4136:e378::1", AddressClass::reserved},  // Teredo
      {"100::1", AddressClass::reserved},
      {"2606:4700:4700::1111", AddressClass::public_unicast},
      {"2a00:1450:4001::1", AddressClass::public_unicast},
  };
  for (const auto& [text, expected] : table) {
    INFO(text);
    CHECK(class_of(text) == expected);
  }
}

TEST_CASE("IPv6 forms that carry an IPv4 address get its class", "[webhooks][address]") {
  const std::pair<const char*, AddressClass> table[] = {
      {"::ffff:127.0.0.1", AddressClass::loopback},
      {"::ffff:7f00:1", AddressClass::loopback},
      {"::127.0.0.1", AddressClass::loopback},
      {"::ffff:0:127.0.0.1", AddressClass::loopback},
      {"::ffff:10.0.0.1", AddressClass::private_network},
      {"::ffff:169.254.169.254", AddressClass::link_local},
      {"::ffff:0.0.0.0", AddressClass::unspecified},
      {"::ffff:100.64.1.1", AddressClass::shared_cgnat},
      {"::ffff:255.255.255.255", AddressClass::broadcast},
      {"::ffff:224.0.0.1", AddressClass::multicast},
      {"::0.0.0.2", AddressClass::this_network},
      {"64:ff9b::a9fe:a9fe", AddressClass::link_local},
      {"64:ff9b::808:808", AddressClass::public_unicast},
      {"2002:7f00:1::1", AddressClass::loopback},
      {"2002:c0a8:101::1", AddressClass::private_network},
      {"2002:808:808::1", AddressClass::public_unicast},
      {"::ffff:8.8.8.8", AddressClass::public_unicast},
  };
  for (const auto& [text, expected] : table) {
    INFO(text);
    CHECK(class_of(text) == expected);
  }
}

TEST_CASE("addresses parse and print in both families", "[webhooks][address]") {
  CHECK(address("192.0.2.1").to_string() == "192.0.2.1");
  CHECK(address("::ffff:127.0.0.1").to_string() == "::ffff:127.0.0.1");
  CHECK(address("::ffff:127.0.0.1").embedded_v4() == IpAddress::v4(127, 0, 0, 1));
  CHECK_FALSE(IpAddress::parse("localhost").has_value());
  CHECK_FALSE(IpAddress::parse("[::1]").has_value());
  CHECK_FALSE(IpAddress::parse("127.1").has_value());
}

TEST_CASE("address blocks match by prefix", "[webhooks][address]") {
  const Cidr block = Cidr::parse("10.20.0.0/16");
  CHECK(block.contains(address("10.20.3.4")));
  CHECK(block.contains(address("::ffff:10.20.3.4")));
  CHECK_FALSE(block.contains(address("10.21.0.1")));
  CHECK(Cidr::parse("172.16.0.0/12").contains(address("172.31.0.1")));
  CHECK_FALSE(Cidr::parse("172.16.0.0/12").contains(address("172.32.0.1")));
  CHECK(Cidr::parse("fd00::/8").contains(address("fd12::1")));
  CHECK_FALSE(Cidr::parse("fd00::/8").contains(address("10.0.0.1")));
  CHECK(Cidr::parse("0.0.0.0/0").contains(address("203.0.113.9")));
  CHECK(Cidr::parse("169.254.169.254/32").contains(address("169.254.169.254")));
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "fd00::/129", "host/8",
                          "10.0.0.0/8x", "10.0.0.0/-1"}) {
    INFO(bad);
    CHECK_THROWS_WITH(Cidr::parse(bad), Catch::Contains(bad));
  }
}

TEST_CASE("address block lists read as operators write them", "[webhooks][address]") {
  CHECK(Cidr::parse_list("").empty());
  CHECK(Cidr::parse_list(" , ").empty());
  const auto blocks = Cidr::parse_list("10.0.0.0/8, fd00::/8 192.168.5.0/24");
  REQUIRE(blocks.size() == 3);
  CHECK(blocks[1].contains(address("fd00::5")));
  CHECK(blocks[2].contains(address("192.168.5.9")));
  CHECK_THROWS_WITH(Cidr::parse_list("10.0.0.0/8,nonsense"), Catch::Contains("nonsense"));
}

TEST_CASE("the default policy allows only public addresses", "[webhooks][address]") {
  const AddressPolicy policy;
  CHECK(policy.refusal(address("8.8.8.8")).empty());
  CHECK(policy.refusal(address("2606:4700:4700::1111")).empty());
  for (const char* text : {"127.0.0.1", "::1", "10.1.2.3", "169.254.169.254", "::ffff:127.0.0.1",
                           "100.64.0.1", "0.0.0.0", "::", "fe80::1", "fd00::1", "224.0.0.1",
                           "255.255.255.255", "0.1.2.3", "192.0.2.1"}) {
    INFO(text);
    CHECK_THAT(policy.refusal(address(text)), Catch::Contains(text));
  }
  CHECK_THAT(policy.refusal(address("169.254.169.254")), Catch::Contains("link-local"));
}

TEST_CASE("allowing private networks still refuses metadata and non-unicast",
          "[webhooks][address]") {
  const AddressPolicy policy(true, {});
  for (const char* text : {"127.0.0.1", "::1", "10.1.2.3", "192.168.0.5", "100.64.0.1", "fd00::1",
                           "::ffff:127.0.0.1"}) {
    INFO(text);
    CHECK(policy.refusal(address(text)).empty());
  }
  for (const char* text : {"169.254.169.254", "fe80::1", "0.0.0.0", "::", "224.0.0.1",
                           "255.255.255.255", "192.0.2.1"}) {
    INFO(text);
    CHECK_FALSE(policy.refusal(address(text)).empty());
  }
}

TEST_CASE("an allow-list opens exactly its blocks", "[webhooks][address]") {
  const AddressPolicy policy(false, {Cidr::parse("10.20.0.0/16"), Cidr::parse("169.254.7.0/24"),
                                     Cidr::parse("0.0.0.0/0")});
  CHECK(policy.refusal(address("10.20.1.1")).empty());
  CHECK(policy.refusal(address("::ffff:10.20.1.1")).empty());
  CHECK(policy.refusal(address("169.254.7.7")).empty());
  CHECK(policy.refusal(address("192.168.1.1")).empty());  // Inside 0.0.0.0/0.
  // Never connectable, whatever the list says.
  CHECK_FALSE(policy.refusal(address("0.0.0.0")).empty());
  CHECK_FALSE(policy.refusal(address("255.255.255.255")).empty());
  CHECK_FALSE(policy.refusal(address("224.0.0.1")).empty());

  const AddressPolicy narrow(false, {Cidr::parse("10.20.0.0/16")});
  CHECK_FALSE(narrow.refusal(address("10.21.0.1")).empty());
  CHECK_FALSE(narrow.refusal(address("127.0.0.1")).empty());
}
