using MoT.Data.Queries;

namespace MoT.Dashboard.Runs;

/// <summary>
/// The runs grid's server side: the filter text with its parse error, the sort, and page-number paging on top of
/// the history's keyset cursors (cursors of visited pages are remembered; a new filter or sort forgets them).
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

    /// <summary>Sets the filter text; returns true when the grid should reload (it parses and differs from the active one).</summary>
    public bool SetFilter(string? text)
    {
        FilterText = text ?? "";
        FilterError = RunFilter.Validate(FilterText, limits);
        if (FilterError is not null) return false;
        var normalized = string.IsNullOrWhiteSpace(FilterText) ? null : FilterText.Trim();
        if (normalized == ActiveFilter) return false;
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

    /// <summary>One page (0-based) and a total that lets the pager move one page past what is known.</summary>
    public async Task<(IReadOnlyList<RunRow> Items, int Total)> LoadPageAsync(int page, int pageSize, string? sortColumn, bool descending, CancellationToken cancellationToken = default)
    {
        var sort = SortField(sortColumn) is { } field ? $"{field} {(descending ? "desc" : "asc")}" : "created desc";
        if (_key != (ActiveFilter, sort, pageSize))
        {
            _key = (ActiveFilter, sort, pageSize);
            _cursors.Clear();
            _cursors[0] = null;
        }

        var known = _cursors.Keys.Where(k => k <= page).Max();
        RunHistoryPage result;
        while (true)
        {
            try
            {
                result = await history.QueryAsync(ActiveFilter, sort, pageSize, _cursors[known], cancellationToken);
            }
            catch (RunQueryException e)
            {
                // What only the store can tell (an id prefix that starts two ids): shown like a parse error, grid empty.
                FilterError = e.Message;
                return ([], 0);
            }
            _cursors[known + 1] = result.NextCursor;
            if (known == page || result.NextCursor is null) break;
            known++;
        }

        var shownPage = known;
        var total = (shownPage * pageSize) + result.Items.Count + (result.NextCursor is null ? 0 : pageSize);
        return (result.Items, total);
    }
}
