#pragma once
// Character-level date normalisation ("march 3rd, 2021" -> "2021-03-03").
//
// Gold alignment rule, per target character (targets are "yyyy-mm-dd"):
// - year digits: a 4-digit source year links digit to digit; for a 2-digit
//   year the implied century ("19"/"20") links to both source year digits
//   and the last two target digits link digit to digit;
// - month and day digits: a 2-digit numeric field links digit to digit; a
//   1-digit field links both target digits to its one digit; a month name
//   links both target digits to every letter of the name;
// - both hyphens link to the source month field (name or digits): the month
//   is the field between the two separators the hyphens stand for, and the
//   rule holds for every format, including those with no separators.
// Weekdays, ordinal suffixes, "of", "the", commas and spaces stay unaligned:
// they carry no information the target keeps.

#include "alignscope/corpus.h"

#include <random>

namespace alignscope::detail {

struct CalendarDate {
    int year = 2000;
    int month = 1; ///< 1..12
    int day = 1;   ///< 1..31
};

enum class DateFormat {
    MonthOrdinalCommaYear,       ///< march 3rd, 2021
    MonthDayCommaYear,           ///< march 3, 2021
    DayAbbrevShortYear,          ///< 3 mar 21
    WeekdayDayMonthYear,         ///< tuesday 3 march 2021
    WeekdayCommaMonthDayYear,    ///< tuesday, march 3, 2021
    AbbrevWeekdayDayAbbrevYear,  ///< tue 3 mar 2021
    SlashDayMonthYear,           ///< 03/03/2021
    DotDayMonthYear,             ///< 03.03.2021
    SlashShort,                  ///< 3/3/21
    YearMonthDay,                ///< 2021 march 3
    OrdinalOfMonthYear,          ///< 3rd of march 2021
    TheOrdinalOfMonthCommaYear,  ///< the 3rd of march, 2021
    DayMonthYear,                ///< 3 march 2021
    AbbrevMonthDayYear,          ///< mar 3 2021
    DashDayAbbrevYear,           ///< 03-mar-2021
    SlashYearMonthDay,           ///< 2021/03/03
    Count
};

bool isLeapYear(int year);
int daysInMonth(int year, int month);
/// 0 = monday ... 6 = sunday (proleptic Gregorian).
int weekday(const CalendarDate &date);
/// "2021-03-03".
std::string isoDate(const CalendarDate &date);
/// Renders a date in a format, tokenised per character ("▁" for spaces),
/// with the gold alignment described above.
SentencePair makeDatePair(const CalendarDate &date, DateFormat format);
/// A uniformly drawn date in 1950-01-01 .. 2049-12-31.
CalendarDate randomDate(std::mt19937 &rng);

inline constexpr int kFirstYear = 1950;
inline constexpr int kLastYear = 2049;

} // namespace alignscope::detail
