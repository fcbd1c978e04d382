// History::merge: three versions of a history file into one, for `offload history merge`, git's
// merge driver. Both branches recorded runs since their common ancestor; their runs are added up:
// - the run count is base's plus the runs each side added;
// - a test's last run keeps its distance from its side's latest run, so the newest runs of both
//   branches are the newest of the result (and forgetting old tests works as before);
// - a test only one side changed takes that side's numbers; a test both changed gets the outcome
//   counts of both added, the mean time of both weighted by the samples each added, the earliest
//   first flake and the latest last flake, and the outcome marks each added after base's, the two
//   sides' marks in a fixed order (the lesser string first);
// - a test that a side dropped (forgotten) and the other did not change is dropped;
// - batch overheads: base's, then what each side added, in the same fixed order.
// Then the limits of a history apply (History::prune). Every choice depends only on the contents,
// never on which side is ours.
#include "history/history.hpp"

#include <algorithm>
#include <set>

namespace offload {

namespace {

bool same(const History::Entry &a, const History::Entry &b)
{
    return a.mean_secs == b.mean_secs && a.samples == b.samples && a.last_run == b.last_run &&
           a.flakiness.runs == b.flakiness.runs && a.flakiness.failures == b.flakiness.failures &&
           a.flakiness.flaky == b.flakiness.flaky && a.flakiness.first_flake == b.flakiness.first_flake &&
           a.flakiness.last_flake == b.flakiness.last_flake && a.flakiness.recent == b.flakiness.recent;
}

// What a side added to a count since base; a count below base's means the side forgot the test and
// met it again, so all of it is new.
uint64_t added(uint64_t side, uint64_t base)
{
    return side >= base ? side - base : side;
}

// The marks a side added after base's: the last `runs` ones it holds.
std::string added_marks(const std::string &recent, uint64_t runs)
{
    return recent.substr(recent.size() - std::min<size_t>(recent.size(), size_t(runs)));
}

std::string earliest(const std::string &a, const std::string &b)
{
    if (a.empty() || b.empty())
        return a.empty() ? b : a;
    return std::min(a, b);
}

} // namespace

History History::merge(const History &base, const History &ours, const History &theirs)
{
    History merged;
    const uint64_t ours_added = added(ours.m_run, base.m_run), theirs_added = added(theirs.m_run, base.m_run);
    merged.m_run = base.m_run + ours_added + theirs_added;
    // A side's run number in the merged numbering: its own runs end where the merged ones end.
    const auto renumber = [&](const History &side, uint64_t run) {
        if (run <= base.m_run && side.m_run >= base.m_run)
            return run;
        const uint64_t behind = side.m_run >= run ? side.m_run - run : 0;
        return merged.m_run >= behind ? merged.m_run - behind : 0;
    };
    const auto moved = [&](const History &side, Entry entry) {
        entry.last_run = renumber(side, entry.last_run);
        return entry;
    };

    std::set<std::string> ids;
    for (const History *side : {&base, &ours, &theirs})
        for (const auto &[id, entry] : side->m_tests)
            ids.insert(id);
    for (const std::string &id : ids) {
        const auto look = [&](const History &side) {
            auto found = side.m_tests.find(id);
            return found == side.m_tests.end() ? nullptr : &found->second;
        };
        const Entry *b = look(base), *o = look(ours), *t = look(theirs);
        const bool o_changed = b ? !o || !same(*o, *b) : o != nullptr;
        const bool t_changed = b ? !t || !same(*t, *b) : t != nullptr;
        if (!o_changed && !t_changed) {
            if (b)
                merged.m_tests[id] = *b;
            continue;
        }
        // One side changed it (dropping it is a change too): that side's version, if any. Both
        // changed it and one dropped it: the other's.
        const Entry *chosen = nullptr;
        if (!t_changed)
            chosen = o;
        else if (!o_changed)
            chosen = t;
        else if (!o || !t)
            chosen = o ? o : t;
        if (!t_changed || !o_changed || !o || !t) {
            if (chosen)
                merged.m_tests[id] = moved(chosen == o ? ours : theirs, *chosen);
            continue;
        }
        // Both changed it.
        const Entry zero;
        const Entry &from = b ? *b : zero;
        Entry entry;
        const uint64_t o_samples = added(o->samples, from.samples),
                       t_samples = added(t->samples, from.samples);
        entry.samples =
            uint32_t(std::min<uint64_t>(uint64_t(from.samples) + o_samples + t_samples, UINT32_MAX));
        if (o_samples + t_samples > 0)
            entry.mean_secs = (o->mean_secs * double(o_samples) + t->mean_secs * double(t_samples)) /
                              double(o_samples + t_samples);
        else
            entry.mean_secs = from.mean_secs;
        entry.last_run = std::max(renumber(ours, o->last_run), renumber(theirs, t->last_run));
        Flakiness &f = entry.flakiness;
        const Flakiness &fb = from.flakiness, &fo = o->flakiness, &ft = t->flakiness;
        const uint64_t o_runs = added(fo.runs, fb.runs), t_runs = added(ft.runs, fb.runs);
        f.runs = fb.runs + o_runs + t_runs;
        f.failures =
            std::min(f.runs, fb.failures + added(fo.failures, fb.failures) + added(ft.failures, fb.failures));
        f.flaky = std::min(f.runs, fb.flaky + added(fo.flaky, fb.flaky) + added(ft.flaky, fb.flaky));
        f.first_flake = earliest(earliest(fb.first_flake, fo.first_flake), ft.first_flake);
        f.last_flake = std::max({fb.last_flake, fo.last_flake, ft.last_flake});
        std::string o_marks = added_marks(fo.recent, o_runs), t_marks = added_marks(ft.recent, t_runs);
        if (t_marks < o_marks)
            std::swap(o_marks, t_marks);
        f.recent = fb.recent + o_marks + t_marks;
        if (f.recent.size() > max_recent_outcomes)
            f.recent.erase(0, f.recent.size() - max_recent_outcomes);
        merged.m_tests[id] = std::move(entry);
    }

    // Overheads: base's, then what each side added (its tail beyond base's count, or all of it).
    merged.m_overheads = base.m_overheads;
    // What a side added: its values after the longest end of base's list it starts with (the
    // front of a full list was cut when the side added to it).
    const auto tail = [&](const History &side) {
        const std::vector<double> &mine = base.m_overheads, &theirs_list = side.m_overheads;
        size_t overlap = std::min(mine.size(), theirs_list.size());
        while (overlap > 0 &&
               !std::equal(mine.end() - std::ptrdiff_t(overlap), mine.end(), theirs_list.begin()))
            --overlap;
        return std::vector<double>(theirs_list.begin() + std::ptrdiff_t(overlap), theirs_list.end());
    };
    std::vector<double> o_tail = tail(ours), t_tail = tail(theirs);
    if (t_tail < o_tail)
        std::swap(o_tail, t_tail);
    merged.m_overheads.insert(merged.m_overheads.end(), o_tail.begin(), o_tail.end());
    merged.m_overheads.insert(merged.m_overheads.end(), t_tail.begin(), t_tail.end());
    merged.prune();
    return merged;
}

} // namespace offload
