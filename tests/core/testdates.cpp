// Date normalisation task: rendered sources, ISO targets, weekdays, leap
// years, the documented alignment rule, determinism and splits.

#include "alignscope/tasks.h"
#include "data/dates_p.h"

#include <QtTest>

#include <set>
#include <string>

using namespace alignscope;
using namespace alignscope::detail;

namespace {

QString pharaoh(const Alignment &links)
{
    QStringList parts;
    for (const auto &[s, t] : links)
        parts << QStringLiteral("%1-%2").arg(s).arg(t);
    return parts.join(QLatin1Char(' '));
}

TaskOptions options(unsigned seed, int train, int dev, int test)
{
    TaskOptions o;
    o.seed = seed;
    o.trainSize = train;
    o.devSize = dev;
    o.testSize = test;
    return o;
}

CalendarDate parseIso(const std::string &target)
{
    return {std::stoi(target.substr(0, 4)), std::stoi(target.substr(5, 2)), std::stoi(target.substr(8, 2))};
}

bool sameCorpus(const Corpus &a, const Corpus &b)
{
    if (a.pairs.size() != b.pairs.size())
        return false;
    for (std::size_t i = 0; i < a.pairs.size(); ++i) {
        if (a.pairs[i].source != b.pairs[i].source || a.pairs[i].alignment != b.pairs[i].alignment)
            return false;
    }
    return true;
}

constexpr const char *kWeekdays[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

} // namespace

class TestDates : public QObject {
    Q_OBJECT

private slots:
    void testRender_data();
    void testRender();
    void testWeekday_data();
    void testWeekday();
    void testLeapYears_data();
    void testLeapYears();
    void testAlignment_data();
    void testAlignment();
    void testGeneratedPairs();
    void testDeterminism_data();
    void testDeterminism();
    void testSizesAndDisjoint_data();
    void testSizesAndDisjoint();
};

void TestDates::testRender_data()
{
    QTest::addColumn<int>("year");
    QTest::addColumn<int>("month");
    QTest::addColumn<int>("day");
    QTest::addColumn<int>("format");
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("target");
    using F = DateFormat;
    // clang-format off
    QTest::newRow("month ordinal") << 2021 << 3 << 3 << int(F::MonthOrdinalCommaYear) << "march 3rd, 2021" << "2021-03-03";
    QTest::newRow("month day") << 2021 << 3 << 3 << int(F::MonthDayCommaYear) << "march 3, 2021" << "2021-03-03";
    QTest::newRow("short year 20xx") << 2021 << 3 << 3 << int(F::DayAbbrevShortYear) << "3 mar 21" << "2021-03-03";
    QTest::newRow("short year 19xx") << 1955 << 1 << 12 << int(F::SlashShort) << "12/1/55" << "1955-01-12";
    QTest::newRow("short year 2049") << 2049 << 12 << 31 << int(F::SlashShort) << "31/12/49" << "2049-12-31";
    QTest::newRow("short year 1950") << 1950 << 1 << 1 << int(F::DayAbbrevShortYear) << "1 jan 50" << "1950-01-01";
    QTest::newRow("weekday") << 2021 << 3 << 3 << int(F::WeekdayDayMonthYear) << "wednesday 3 march 2021" << "2021-03-03";
    QTest::newRow("weekday comma") << 1969 << 7 << 20 << int(F::WeekdayCommaMonthDayYear) << "sunday, july 20, 1969" << "1969-07-20";
    QTest::newRow("weekday abbrev") << 2000 << 1 << 1 << int(F::AbbrevWeekdayDayAbbrevYear) << "sat 1 jan 2000" << "2000-01-01";
    QTest::newRow("slash") << 2021 << 3 << 3 << int(F::SlashDayMonthYear) << "03/03/2021" << "2021-03-03";
    QTest::newRow("dot") << 1987 << 11 << 9 << int(F::DotDayMonthYear) << "09.11.1987" << "1987-11-09";
    QTest::newRow("year first") << 2021 << 3 << 3 << int(F::YearMonthDay) << "2021 march 3" << "2021-03-03";
    QTest::newRow("of") << 2021 << 3 << 3 << int(F::OrdinalOfMonthYear) << "3rd of march 2021" << "2021-03-03";
    QTest::newRow("the of") << 2012 << 8 << 22 << int(F::TheOrdinalOfMonthCommaYear) << "the 22nd of august, 2012" << "2012-08-22";
    QTest::newRow("11th") << 2011 << 11 << 11 << int(F::OrdinalOfMonthYear) << "11th of november 2011" << "2011-11-11";
    QTest::newRow("12th") << 2011 << 6 << 12 << int(F::MonthOrdinalCommaYear) << "june 12th, 2011" << "2011-06-12";
    QTest::newRow("13th") << 2011 << 6 << 13 << int(F::MonthOrdinalCommaYear) << "june 13th, 2011" << "2011-06-13";
    QTest::newRow("21st") << 2011 << 6 << 21 << int(F::MonthOrdinalCommaYear) << "june 21st, 2011" << "2011-06-21";
    QTest::newRow("31st") << 1999 << 12 << 31 << int(F::MonthOrdinalCommaYear) << "december 31st, 1999" << "1999-12-31";
    QTest::newRow("day month") << 1970 << 5 << 4 << int(F::DayMonthYear) << "4 may 1970" << "1970-05-04";
    QTest::newRow("abbrev month") << 1970 << 9 << 4 << int(F::AbbrevMonthDayYear) << "sep 4 1970" << "1970-09-04";
    QTest::newRow("dash") << 2003 << 10 << 7 << int(F::DashDayAbbrevYear) << "07-oct-2003" << "2003-10-07";
    QTest::newRow("iso slash") << 2003 << 10 << 7 << int(F::SlashYearMonthDay) << "2003/10/07" << "2003-10-07";
    QTest::newRow("leap day") << 2024 << 2 << 29 << int(F::WeekdayDayMonthYear) << "thursday 29 february 2024" << "2024-02-29";
    QTest::newRow("leap day 2000") << 2000 << 2 << 29 << int(F::WeekdayDayMonthYear) << "tuesday 29 february 2000" << "2000-02-29";
    // clang-format on
}

void TestDates::testRender()
{
    QFETCH(int, year);
    QFETCH(int, month);
    QFETCH(int, day);
    QFETCH(int, format);
    QFETCH(QString, source);
    QFETCH(QString, target);
    const SentencePair pair = makeDatePair({year, month, day}, DateFormat(format));
    QCOMPARE(QString::fromStdString(pair.source), source);
    QCOMPARE(QString::fromStdString(pair.target), target);
    QCOMPARE(int(pair.sourceTokens.size()), source.size());
    QCOMPARE(int(pair.targetTokens.size()), 10);
    for (int i = 0; i < source.size(); ++i) {
        const QString expected = source[i] == QLatin1Char(' ') ? QStringLiteral("▁") : QString(source[i]);
        QCOMPARE(QString::fromStdString(pair.sourceTokens[std::size_t(i)]), expected);
    }
}

void TestDates::testWeekday_data()
{
    QTest::addColumn<int>("year");
    QTest::addColumn<int>("month");
    QTest::addColumn<int>("day");
    QTest::addColumn<int>("weekday");
    QTest::newRow("unix epoch") << 1970 << 1 << 1 << 3;
    QTest::newRow("first day of range") << 1950 << 1 << 1 << 6;
    QTest::newRow("last day of range") << 2049 << 12 << 31 << 4;
    QTest::newRow("y2k") << 2000 << 1 << 1 << 5;
    QTest::newRow("leap day 2024") << 2024 << 2 << 29 << 3;
    QTest::newRow("march 1st after leap day") << 2024 << 3 << 1 << 4;
    QTest::newRow("moon landing") << 1969 << 7 << 20 << 6;
}

void TestDates::testWeekday()
{
    QFETCH(int, year);
    QFETCH(int, month);
    QFETCH(int, day);
    QFETCH(int, weekday);
    QCOMPARE(detail::weekday({year, month, day}), weekday);
}

void TestDates::testLeapYears_data()
{
    QTest::addColumn<int>("year");
    QTest::addColumn<bool>("leap");
    QTest::newRow("1900 century") << 1900 << false;
    QTest::newRow("2000 quad century") << 2000 << true;
    QTest::newRow("1952") << 1952 << true;
    QTest::newRow("2023") << 2023 << false;
    QTest::newRow("2024") << 2024 << true;
    QTest::newRow("2048") << 2048 << true;
}

void TestDates::testLeapYears()
{
    QFETCH(int, year);
    QFETCH(bool, leap);
    QCOMPARE(isLeapYear(year), leap);
    QCOMPARE(daysInMonth(year, 2), leap ? 29 : 28);
}

void TestDates::testAlignment_data()
{
    QTest::addColumn<int>("format");
    QTest::addColumn<QString>("links");
    using F = DateFormat;
    // "2021-03-03": year digit to digit, month name to both month digits and
    // both hyphens, 1-digit day to both day digits.
    QTest::newRow("march 3rd, 2021") << int(F::MonthOrdinalCommaYear)
                                     << "0-4 0-5 0-6 0-7 1-4 1-5 1-6 1-7 2-4 2-5 2-6 2-7 3-4 3-5 3-6 3-7 "
                                        "4-4 4-5 4-6 4-7 6-8 6-9 11-0 12-1 13-2 14-3";
    // 2-digit fields link digit to digit; the century links to both year digits.
    QTest::newRow("03/03/21 as 3/3/21") << int(F::SlashShort)
                                        << "0-8 0-9 2-4 2-5 2-6 2-7 4-0 4-1 4-2 5-0 5-1 5-3";
    QTest::newRow("03/03/2021") << int(F::SlashDayMonthYear) << "0-8 1-9 3-4 3-5 3-7 4-4 4-6 4-7 6-0 7-1 8-2 9-3";
}

void TestDates::testAlignment()
{
    QFETCH(int, format);
    QFETCH(QString, links);
    QCOMPARE(pharaoh(makeDatePair({2021, 3, 3}, DateFormat(format)).alignment), links);
}

// Over a large corpus: valid calendar dates in range, Feb 29 only in leap
// years (and present), weekdays matching the target, every target character
// aligned, every index in range.
void TestDates::testGeneratedPairs()
{
    const TaskSplits splits = makeDatesTask(options(4, 20000, 1000, 1000));
    int leapDays = 0;
    int withWeekday = 0;
    for (const Corpus *corpus : {&splits.train, &splits.dev, &splits.test}) {
        for (const SentencePair &p : corpus->pairs) {
            const CalendarDate date = parseIso(p.target);
            QVERIFY(date.year >= kFirstYear && date.year <= kLastYear);
            QVERIFY(date.month >= 1 && date.month <= 12);
            QVERIFY2(date.day >= 1 && date.day <= daysInMonth(date.year, date.month), p.target.c_str());
            leapDays += date.month == 2 && date.day == 29;
            for (int w = 0; w < 7; ++w) {
                const std::string name = kWeekdays[w];
                if (p.source.starts_with(name.substr(0, 3))) {
                    ++withWeekday;
                    QCOMPARE(w, weekday(date));
                }
            }
            std::vector<bool> aligned(p.targetTokens.size(), false);
            for (const auto &[s, t] : p.alignment) {
                QVERIFY(s >= 0 && s < int(p.sourceTokens.size()));
                QVERIFY(t >= 0 && t < int(p.targetTokens.size()));
                aligned[std::size_t(t)] = true;
            }
            QVERIFY2(std::all_of(aligned.begin(), aligned.end(), [](bool a) { return a; }), p.source.c_str());
        }
    }
    QVERIFY(leapDays > 0);
    QVERIFY(withWeekday > 1000);
}

void TestDates::testDeterminism_data()
{
    QTest::addColumn<uint>("seedA");
    QTest::addColumn<uint>("seedB");
    QTest::addColumn<bool>("same");
    QTest::newRow("same seed") << 1u << 1u << true;
    QTest::newRow("different seeds") << 1u << 2u << false;
}

void TestDates::testDeterminism()
{
    QFETCH(uint, seedA);
    QFETCH(uint, seedB);
    QFETCH(bool, same);
    const TaskSplits a = makeDatesTask(options(seedA, 1000, 100, 100));
    const TaskSplits b = makeDatesTask(options(seedB, 1000, 100, 100));
    QCOMPARE(sameCorpus(a.train, b.train), same);
    QCOMPARE(sameCorpus(a.test, b.test), same);
}

void TestDates::testSizesAndDisjoint_data()
{
    QTest::addColumn<int>("train");
    QTest::addColumn<int>("dev");
    QTest::addColumn<int>("test");
    QTest::newRow("defaults") << 20000 << 500 << 500;
    QTest::newRow("small") << 10 << 5 << 0;
    QTest::newRow("40k") << 40000 << 1000 << 1000;
}

void TestDates::testSizesAndDisjoint()
{
    QFETCH(int, train);
    QFETCH(int, dev);
    QFETCH(int, test);
    const TaskSplits splits = makeDatesTask(options(9, train, dev, test));
    QCOMPARE(int(splits.train.pairs.size()), train);
    QCOMPARE(int(splits.dev.pairs.size()), dev);
    QCOMPARE(int(splits.test.pairs.size()), test);
    std::set<std::string> sources;
    for (const Corpus *corpus : {&splits.train, &splits.dev, &splits.test})
        for (const SentencePair &p : corpus->pairs)
            QVERIFY(sources.insert(p.source).second);
}

QTEST_APPLESS_MAIN(TestDates)
#include "testdates.moc"
