// inference/auditd.h: audit events decoded into command lines (EXECVE preferred, PROCTITLE otherwise), hex
// and quoted values, split long arguments, the kernel's numeric types, ausearch -i's interpreted form, and
// every undecodable line reported with its number; and `predict`'s auditd input form on top of it.
#include "inference/auditd.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "inference/inputs.h"

namespace attune::inference {
namespace {

TEST(AuditHex, DecodesPairsInEitherCaseAndRejectsOddOrNonHex) {
  EXPECT_EQ(decode_audit_hex("636174002F6574632F736861646F77"), std::string("cat\0/etc/shadow", 15));
  EXPECT_EQ(decode_audit_hex("6c73"), "ls");
  EXPECT_EQ(decode_audit_hex(""), "");
  EXPECT_FALSE(decode_audit_hex("6C7").has_value());
  EXPECT_FALSE(decode_audit_hex("6G73").has_value());
}

TEST(AuditValue, QuotedNullOrHex) {
  EXPECT_EQ(decode_audit_value("\"/usr/bin/id\""), "/usr/bin/id");
  EXPECT_EQ(decode_audit_value("(null)"), "");
  EXPECT_EQ(decode_audit_value("2D6C61"), "-la");
  EXPECT_FALSE(decode_audit_value("-la").has_value());
  EXPECT_FALSE(decode_audit_value("").has_value());
}

TEST(AuditLog, ExecveArgumentsWinOverTheProctitleOfTheSameEvent) {
  const std::string log =
      "type=SYSCALL msg=audit(1764765600.101:7001): arch=c000003e syscall=59 success=yes exit=0 "
      "comm=\"cat\"\n"
      "type=EXECVE msg=audit(1764765600.101:7001): argc=2 a0=\"cat\" a1=\"/etc/shadow\"\n"
      "type=CWD msg=audit(1764765600.101:7001): cwd=\"/root\"\n"
      "type=PROCTITLE msg=audit(1764765600.101:7001): proctitle=636174002F6574632F736861646F77\n";
  const auto decoded = decode_audit_log(log);
  EXPECT_TRUE(decoded.issues.empty());
  ASSERT_EQ(decoded.commands.size(), 1u);
  EXPECT_EQ(decoded.commands[0].command, "cat /etc/shadow");
  EXPECT_EQ(decoded.commands[0].source, "EXECVE");
  EXPECT_EQ(decoded.commands[0].line, 2u);
  EXPECT_EQ(decoded.commands[0].event, "1764765600.101:7001");
}

TEST(AuditLog, HexArgumentsWithSpacesAndQuotesDecodeWhole) {
  // a2 holds a space and a quote, so auditd hex-encodes it; a0 and a1 are plain.
  const std::string log =
      "type=EXECVE msg=audit(1764765600.2:8): argc=3 a0=\"python3\" a1=\"-c\" "
      "a2=696D706F7274207074793B7074792E737061776E28222F62696E2F626173682229\n";
  const auto decoded = decode_audit_log(log);
  ASSERT_EQ(decoded.commands.size(), 1u);
  EXPECT_EQ(decoded.commands[0].command, "python3 -c import pty;pty.spawn(\"/bin/bash\")");
}

TEST(AuditLog, ProctitleAloneIsTheCommandWithNulsAsSpaces) {
  const std::string log =
      "type=PROCTITLE msg=audit(1764765601.5:9): proctitle=62617368002D630069643B20756E616D65202D61\n"
      "type=PROCTITLE msg=audit(1764765601.6:10): proctitle=\"/usr/sbin/sshd\"\n";
  const auto decoded = decode_audit_log(log);
  EXPECT_TRUE(decoded.issues.empty());
  ASSERT_EQ(decoded.commands.size(), 2u);
  EXPECT_EQ(decoded.commands[0].command, "bash -c id; uname -a");
  EXPECT_EQ(decoded.commands[0].source, "PROCTITLE");
  EXPECT_EQ(decoded.commands[1].command, "/usr/sbin/sshd");
  EXPECT_EQ(decoded.commands[1].line, 2u);
}

TEST(AuditLog, LongArgumentsSplitIntoPiecesOverTwoRecordsJoin) {
  const std::string log =
      "type=EXECVE msg=audit(1764765602.0:11): argc=2 a0=\"echo\" a1_len=9 a1[0]=6563686F\n"
      "type=EXECVE msg=audit(1764765602.0:11): a1[1]=2022686922\n";
  const auto decoded = decode_audit_log(log);
  EXPECT_TRUE(decoded.issues.empty());
  ASSERT_EQ(decoded.commands.size(), 1u);
  EXPECT_EQ(decoded.commands[0].command, "echo echo \"hi\"");
  EXPECT_EQ(decoded.commands[0].line, 1u);
}

TEST(AuditLog, EventsKeepTheOrderOfTheirFirstRecordWhenInterleaved) {
  const std::string log =
      "type=SYSCALL msg=audit(1.0:1): syscall=59\n"
      "type=SYSCALL msg=audit(1.0:2): syscall=59\n"
      "type=EXECVE msg=audit(1.0:2): argc=1 a0=\"second\"\n"
      "type=EXECVE msg=audit(1.0:1): argc=1 a0=\"first\"\n";
  const auto decoded = decode_audit_log(log);
  ASSERT_EQ(decoded.commands.size(), 2u);
  EXPECT_EQ(decoded.commands[0].command, "first");
  EXPECT_EQ(decoded.commands[0].line, 4u);
  EXPECT_EQ(decoded.commands[1].command, "second");
}

TEST(AuditLog, NodePrefixKernelNumericTypesAndCrlf) {
  const std::string log =
      "node=web01 type=EXECVE msg=audit(1764765603.1:12): argc=2 a0=\"id\" a1=\"-u\"\r\n"
      "Dec  3 13:40:03 web01 kernel: audit: type=1327 audit(1764765603.2:13): proctitle=77686F616D69\r\n"
      "[   12.345678] audit: type=1309 audit(1764765603.3:14): argc=1 a0=\"uptime\"\n";
  const auto decoded = decode_audit_log(log);
  EXPECT_TRUE(decoded.issues.empty()) << decoded.issues[0].message;
  ASSERT_EQ(decoded.commands.size(), 3u);
  EXPECT_EQ(decoded.commands[0].command, "id -u");
  EXPECT_EQ(decoded.commands[1].command, "whoami");
  EXPECT_EQ(decoded.commands[1].source, "PROCTITLE");
  EXPECT_EQ(decoded.commands[2].command, "uptime");
  EXPECT_EQ(decoded.commands[2].line, 3u);
}

TEST(AuditLog, InterpretedFormKeepsArgumentsWithSpacesWhole) {
  const std::string log =
      "type=PROCTITLE msg=audit(12/03/2026 13:40:00.123:42) : proctitle=tar czf /tmp/x.tgz /home\n"
      "type=EXECVE msg=audit(12/03/2026 13:40:01.000:43) : argc=3 a0=sh a1=-c a2=id; hostname\n";
  const auto decoded = decode_audit_log(log);
  EXPECT_TRUE(decoded.issues.empty());
  ASSERT_EQ(decoded.commands.size(), 2u);
  EXPECT_EQ(decoded.commands[0].command, "tar czf /tmp/x.tgz /home");
  EXPECT_EQ(decoded.commands[0].event, "12/03/2026 13:40:00.123:42");
  EXPECT_EQ(decoded.commands[1].command, "sh -c id; hostname");
}

TEST(AuditLog, UndecodableLinesAreIssuesWithTheirLineNumbers) {
  const std::string log =
      "this is not an audit record\n"
      "\n"
      "type=PROCTITLE msg=audit(5.0:20): proctitle=ABC\n"            // odd-length hex
      "type=EXECVE msg=audit(5.0:21): argc=3 a0=\"ls\" a1=\"-l\"\n"  // a2 missing, no proctitle
      "type=EXECVE msg=audit(5.0:22): argc=2 a0=\"ls\" a1=\"-l\"\n"  // a good one between
      "type=EXECVE msg=audit(5.0:23): argc=2 a0=\"ls\" a1=-l\n"      // unquoted non-hex
      "type=PROCTITLE msg=audit(5.0:23): proctitle=6C73\n";          // ... so the proctitle is used
  const auto decoded = decode_audit_log(log);
  ASSERT_EQ(decoded.issues.size(), 4u);
  EXPECT_EQ(decoded.issues[0].line, 1u);
  EXPECT_NE(decoded.issues[0].message.find("not an audit record"), std::string::npos);
  EXPECT_EQ(decoded.issues[1].line, 3u);
  EXPECT_NE(decoded.issues[1].message.find("neither quoted nor hex"), std::string::npos);
  EXPECT_EQ(decoded.issues[2].line, 4u);
  EXPECT_NE(decoded.issues[2].message.find("argument a2 is missing (argc=3)"), std::string::npos)
      << decoded.issues[2].message;
  EXPECT_EQ(decoded.issues[3].line, 6u);
  ASSERT_EQ(decoded.commands.size(), 2u);
  EXPECT_EQ(decoded.commands[0].command, "ls -l");
  EXPECT_EQ(decoded.commands[1].command, "ls");
  EXPECT_EQ(decoded.commands[1].source, "PROCTITLE");
}

TEST(AuditInputs, PredictsInputFormReportsCommandsAndBadLinesInOrder) {
  EXPECT_EQ(parse_input_format("auditd"), InputFormat::kAuditd);
  EXPECT_EQ(infer_input_format("/var/log/audit/audit.log"), InputFormat::kAuditd);
  EXPECT_EQ(infer_input_format("/var/log/audit/audit.log.3"), InputFormat::kAuditd);
  EXPECT_EQ(infer_input_format("server.log"), InputFormat::kLines);
  const std::string log =
      "type=EXECVE msg=audit(1.0:1): argc=1 a0=\"whoami\"\n"
      "garbage\n"
      "type=PROCTITLE msg=audit(1.0:2): proctitle=\"ls\"\n"
      "type=PROCTITLE msg=audit(1.0:3): proctitle=FF\n";  // decodes to a byte that is not UTF-8
  InputOptions options;
  options.format = InputFormat::kAuditd;
  const auto inputs = parse_inputs(log, "audit.log", options);
  ASSERT_EQ(inputs.texts.size(), 2u);
  EXPECT_EQ(inputs.texts[0].text, "whoami");
  EXPECT_EQ(inputs.texts[1].text, "ls");
  EXPECT_EQ(inputs.texts[1].line, 3u);
  ASSERT_EQ(inputs.skipped.size(), 2u);
  EXPECT_EQ(inputs.skipped[0].line, 2u);
  EXPECT_EQ(inputs.skipped[1].line, 4u);
  EXPECT_NE(inputs.skipped[1].message.find("invalid UTF-8"), std::string::npos) << inputs.skipped[1].message;
  options.on_error = OnError::kFail;
  try {
    parse_inputs(log, "audit.log", options);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("audit.log:2:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace attune::inference
