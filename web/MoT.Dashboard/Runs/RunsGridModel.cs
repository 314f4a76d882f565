using MoT.Data.Queries;

namespace MoT.Dashboard.Runs;

/// <summary>
/// The runs grid's server side: the filter text with its parse error, the sort, and page-number paging on top of
/// the history's keyset cursors (cursors of visited pages are remembered; a new filter or sort forgets them). The total
/// is the history's count of matching runs, so the pager's "1-15 of N" is true; while the filter has an error the grid
/// is empty, never the rows of an earlier query under the error.
/// </summary>
public sealed class RunsGridModel(IRunHistory history, FilterLimits? limits = null)
{
    private readonly Dictionary<int, string?> _cursors = new() { [0] = null };
    private (string? Filter, string Sort, int PageSize) _key = (null, "", 0);

    /// <summary>The filter as typed.</summary>
    public string FilterText { get; private set; } = "";

    /// <summary>The parser's message for <see cref="FilterText"/> (names the column), or null when it parses.</summary>
    public string? FilterError { get; private set; }

    /// <summary>The last filter that parsed: what the grid shows.</summary>
    public string? ActiveFilter { get; private set; }

    /// <summary>True while the grid shows nothing because the filter has an error.</summary>
    public bool Cleared { get; private set; }

    /// <summary>
    /// Sets the filter text; returns true when the grid should reload: the filter parses and differs from what the grid
    /// shows, or it has just become malformed (the grid then empties).
    /// </summary>
    public bool SetFilter(string? text)
    {
        FilterText = text ?? "";
        var wasCleared = Cleared;
        FilterError = RunFilter.Validate(FilterText, limits);
        if (FilterError is not null)
        {
            Cleared = true;
            return !wasCleared;
        }

        Cleared = false;
        var normalized = string.IsNullOrWhiteSpace(FilterText) ? null : FilterText.Trim();
        if (normalized == ActiveFilter && !wasCleared) return false;
        ActiveFilter = normalized;
        return true;
    }

    /// <summary>Grid column (property name) to sort field of the filter language; null when not sortable.</summary>
    public static string? SortField(string? column) => column switch
    {
        nameof(RunRow.CreatedAt) => "created",
        nameof(RunRow.BestEvalLoss) => "best_eval_loss",
        nameof(RunRow.Attempt) => "attempt",
        _ => null,
    };

    /// <summary>One page (0-based) and the number of runs the filter matches.</summary>
    public async Task<(IReadOnlyList<RunRow> Items, int Total)> LoadPageAsync(int page, int pageSize, string? sortColumn, bool descending, CancellationToken cancellationToken = default)
    {
        if (Cleared) return ([], 0);
        var sort = SortField(sortColumn) is { } field ? $"{field} {(descending ? "desc" : "asc")}" : "created desc";
        if (_key != (ActiveFilter, sort, pageSize))
        {
            _key = (ActiveFilter, sort, pageSize);
            _cursors.Clear();
            _cursors[0] = null;
        }

        var known = _cursors.Keys.Where(k => k <= page).Max();
        RunHistoryPage result;
        int total;
        try
        {
            while (true)
            {
                result = await history.QueryAsync(ActiveFilter, sort, pageSize, _cursors[known], cancellationToken);
                _cursors[known + 1] = result.NextCursor;
                if (known == page || result.NextCursor is null) break;
                known++;
            }

            total = await history.CountAsync(ActiveFilter, cancellationToken);
        }
        catch (RunQueryException e)
        {
            // What only the store can tell (an id prefix that starts two ids): shown like a parse error, grid empty.
            FilterError = e.Message;
            Cleared = true;
            return ([], 0);
        }

        // Runs added between the page and the count (the count is read second) never make the total smaller than
        // what the pages already hold.
        return (result.Items, Math.Max(total, (known * pageSize) + result.Items.Count));
    }
}
