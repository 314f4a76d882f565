namespace MoT.Contracts;

/// <summary>
/// How a run or sweep id is shown to people in messages and labels: its first 8 hex digits, enough to tell runs apart
/// and to paste into a filter (<c>id:</c> takes a prefix). Links and downloads carry the full id.
/// </summary>
public static class ShortIds
{
    public const int Length = 8;

    public static string Of(Guid id) => id.ToString()[..Length];
}
