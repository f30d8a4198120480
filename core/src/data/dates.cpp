// Character-level date normalisation task. The alignment rule is documented
// in dates_p.h; this file renders sources field by field so that the span of
// each field is known exactly.

#include "data/dates_p.h"

#include "alignscope/tasks.h"
#include "data/taskrandom_p.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <string>
#include <string_view>

namespace alignscope {
namespace detail {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"january", "february", "march",     "april",
                                                      "may",     "june",     "july",      "august",
                                                      "september", "october", "november", "december"};
constexpr std::array<std::string_view, 12> kMonthAbbrevs = {"jan", "feb", "mar", "apr", "may", "jun",
                                                            "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kWeekdays = {"monday", "tuesday",  "wednesday", "thursday",
                                                       "friday", "saturday", "sunday"};
constexpr std::array<std::string_view, 7> kWeekdayAbbrevs = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/// Days since 1970-01-01 (H. Hinnant's days_from_civil).
long daysFromCivil(int year, int month, int day)
{
    const int y = year - (month <= 2 ? 1 : 0);
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yearOfEra = y - era * 400;
    const int dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return static_cast<long>(era) * 146097 + dayOfEra - 719468;
}

/// Inverse of daysFromCivil.
CalendarDate civilFromDays(long days)
{
    days += 719468;
    const long era = (days >= 0 ? days : days - 146096) / 146097;
    const long dayOfEra = days - era * 146097;
    const long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const long mp = (5 * dayOfYear + 2) / 153;
    CalendarDate date;
    date.day = static_cast<int>(dayOfYear - (153 * mp + 2) / 5 + 1);
    date.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    date.year = static_cast<int>(yearOfEra + era * 400 + (date.month <= 2 ? 1 : 0));
    return date;
}

std::string twoDigits(int value)
{
    return {static_cast<char>('0' + value / 10 % 10), static_cast<char>('0' + value % 10)};
}

std::string ordinal(int day)
{
    const int last = day % 10;
    const bool teen = day / 10 == 1;
    const char *suffix = teen ? "th" : last == 1 ? "st" : last == 2 ? "nd" : last == 3 ? "rd" : "th";
    return std::to_string(day) + suffix;
}

struct Field {
    int begin = -1; ///< [begin, end) in source characters
    int end = -1;
    int size() const { return end - begin; }
};

/// A source string being written, with the spans of its three fields.
struct SourceDraft {
    std::string text;
    Field year;
    Field month;
    Field day;

    SourceDraft &put(std::string_view piece)
    {
        text += piece;
        return *this;
    }
    SourceDraft &field(Field &span, std::string_view piece)
    {
        span.begin = static_cast<int>(text.size());
        text += piece;
        span.end = static_cast<int>(text.size());
        return *this;
    }
};

struct DateWords {
    std::string day;       ///< "3"
    std::string day2;      ///< "03"
    std::string dayOrd;    ///< "3rd"
    std::string month;     ///< "3"
    std::string month2;    ///< "03"
    std::string_view name; ///< "march"
    std::string_view abbrev;
    std::string year;      ///< "2021"
    std::string year2;     ///< "21"
    std::string_view weekdayName;
    std::string_view weekdayAbbrev;
};

DateWords wordsFor(const CalendarDate &date)
{
    const auto month = static_cast<std::size_t>(date.month - 1);
    const auto day = static_cast<std::size_t>(weekday(date));
    return {std::to_string(date.day), twoDigits(date.day),        ordinal(date.day),
            std::to_string(date.month), twoDigits(date.month),    kMonths[month],
            kMonthAbbrevs[month],       std::to_string(date.year), twoDigits(date.year % 100),
            kWeekdays[day],             kWeekdayAbbrevs[day]};
}

// One pattern per DateFormat, in its order: literals, and in braces the
// date's words. {d} {dd} day, {m} {mm} {Month} {Mon} month, {yyyy} {yy}
// year (the fields the alignment links), {th} the ordinal's suffix,
// {Weekday} {Wkd} the weekday's name.
constexpr std::array<std::string_view, static_cast<std::size_t>(DateFormat::Count)> kPatterns = {
    "{Month} {d}{th}, {yyyy}",        // MonthOrdinalCommaYear
    "{Month} {d}, {yyyy}",            // MonthDayCommaYear
    "{d} {Mon} {yy}",                 // DayAbbrevShortYear
    "{Weekday} {d} {Month} {yyyy}",   // WeekdayDayMonthYear
    "{Weekday}, {Month} {d}, {yyyy}", // WeekdayCommaMonthDayYear
    "{Wkd} {d} {Mon} {yyyy}",         // AbbrevWeekdayDayAbbrevYear
    "{dd}/{mm}/{yyyy}",               // SlashDayMonthYear
    "{dd}.{mm}.{yyyy}",               // DotDayMonthYear
    "{d}/{m}/{yy}",                   // SlashShort
    "{yyyy} {Month} {d}",             // YearMonthDay
    "{d}{th} of {Month} {yyyy}",      // OrdinalOfMonthYear
    "the {d}{th} of {Month}, {yyyy}", // TheOrdinalOfMonthCommaYear
    "{d} {Month} {yyyy}",             // DayMonthYear
    "{Mon} {d} {yyyy}",               // AbbrevMonthDayYear
    "{dd}-{Mon}-{yyyy}",              // DashDayAbbrevYear
    "{yyyy}/{mm}/{dd}",               // SlashYearMonthDay
};

/// A pattern word's text, and the field it fills (null for none).
std::pair<std::string_view, Field SourceDraft::*> wordOf(const DateWords &w, std::string_view name)
{
    if (name == "d") return {w.day, &SourceDraft::day};
    if (name == "dd") return {w.day2, &SourceDraft::day};
    if (name == "th") return {std::string_view(w.dayOrd).substr(w.day.size()), nullptr};
    if (name == "m") return {w.month, &SourceDraft::month};
    if (name == "mm") return {w.month2, &SourceDraft::month};
    if (name == "Month") return {w.name, &SourceDraft::month};
    if (name == "Mon") return {w.abbrev, &SourceDraft::month};
    if (name == "yyyy") return {w.year, &SourceDraft::year};
    if (name == "yy") return {w.year2, &SourceDraft::year};
    if (name == "Weekday") return {w.weekdayName, nullptr};
    assert(name == "Wkd" && "unknown word in a date pattern");
    return {w.weekdayAbbrev, nullptr};
}

SourceDraft render(const DateWords &w, DateFormat format)
{
    const DateFormat f = format == DateFormat::Count ? DateFormat::SlashYearMonthDay : format;
    const std::string_view pattern = kPatterns[static_cast<std::size_t>(f)];
    SourceDraft s;
    for (std::size_t i = 0; i < pattern.size();) {
        const std::size_t open = pattern.find('{', i);
        s.put(pattern.substr(i, open - i));
        if (open == std::string_view::npos)
            break;
        const std::size_t close = pattern.find('}', open);
        const auto [text, field] = wordOf(w, pattern.substr(open + 1, close - open - 1));
        if (field)
            s.field(s.*field, text);
        else
            s.put(text);
        i = close + 1;
    }
    return s;
}

bool isDigits(std::string_view text, const Field &span)
{
    for (int i = span.begin; i < span.end; ++i) {
        if (text[static_cast<std::size_t>(i)] < '0' || text[static_cast<std::size_t>(i)] > '9')
            return false;
    }
    return true;
}

void linkAll(Alignment &links, const Field &span, int target)
{
    for (int i = span.begin; i < span.end; ++i)
        links.emplace_back(i, target);
}

/// Two target digits at `target` from a 1- or 2-digit field or a name.
void linkTwoDigits(Alignment &links, std::string_view text, const Field &span, int target)
{
    if (span.size() == 2 && isDigits(text, span)) {
        links.emplace_back(span.begin, target);
        links.emplace_back(span.begin + 1, target + 1);
        return;
    }
    linkAll(links, span, target);
    linkAll(links, span, target + 1);
}

void linkYear(Alignment &links, const Field &span)
{
    if (span.size() == 4) {
        for (int k = 0; k < 4; ++k)
            links.emplace_back(span.begin + k, k);
        return;
    }
    assert(span.size() == 2);
    linkAll(links, span, 0); // the implied century
    linkAll(links, span, 1);
    links.emplace_back(span.begin, 2);
    links.emplace_back(span.begin + 1, 3);
}

Alignment alignDate(const SourceDraft &s)
{
    Alignment links; // target "yyyy-mm-dd": year 0..3, '-' 4, month 5..6, '-' 7, day 8..9
    linkYear(links, s.year);
    linkAll(links, s.month, 4);
    linkTwoDigits(links, s.text, s.month, 5);
    linkAll(links, s.month, 7);
    linkTwoDigits(links, s.text, s.day, 8);
    std::sort(links.begin(), links.end());
    return links;
}

std::vector<std::string> characterTokens(std::string_view text)
{
    // All task text is ASCII, so a byte is a character.
    std::vector<std::string> tokens;
    tokens.reserve(text.size());
    for (char c : text)
        tokens.push_back(c == ' ' ? std::string("▁") : std::string(1, c));
    return tokens;
}

} // namespace

bool isLeapYear(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int daysInMonth(int year, int month)
{
    static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && isLeapYear(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

int weekday(const CalendarDate &date)
{
    const long days = daysFromCivil(date.year, date.month, date.day);
    // 1970-01-01 was a thursday (3 with monday = 0).
    return static_cast<int>(((days + 3) % 7 + 7) % 7);
}

std::string isoDate(const CalendarDate &date)
{
    return std::to_string(date.year) + "-" + twoDigits(date.month) + "-" + twoDigits(date.day);
}

SentencePair makeDatePair(const CalendarDate &date, DateFormat format)
{
    assert(date.year >= kFirstYear && date.year <= kLastYear);
    const SourceDraft source = render(wordsFor(date), format);
    SentencePair pair;
    pair.source = source.text;
    pair.target = isoDate(date);
    pair.sourceTokens = characterTokens(pair.source);
    pair.targetTokens = characterTokens(pair.target);
    pair.alignment = alignDate(source);
    pair.hasAlignment = true;
    return pair;
}

CalendarDate randomDate(std::mt19937 &rng)
{
    const long first = daysFromCivil(kFirstYear, 1, 1);
    const long last = daysFromCivil(kLastYear, 12, 31);
    return civilFromDays(first + uniformInt(rng, static_cast<int>(last - first + 1)));
}

} // namespace detail

TaskSplits makeDatesTask(const TaskOptions &options)
{
    std::mt19937 rng(options.seed);
    auto next = [&rng] {
        const detail::CalendarDate date = detail::randomDate(rng);
        const auto format = static_cast<detail::DateFormat>(
            detail::uniformInt(rng, static_cast<int>(detail::DateFormat::Count)));
        return detail::makeDatePair(date, format);
    };
    return detail::drawSplits(options, next, {});
}

} // namespace alignscope
