using System.Diagnostics;
using System.Globalization;
using MoT.Training.Data;

namespace MoT.Cli.Output;

/// <summary>
/// Progress of building a corpus's token cache: silent when it takes under a few seconds (or there is nothing to
/// build), then a line every few seconds, from a timer so a single huge document still shows the process is alive.
/// </summary>
internal sealed class TokenizingProgress : IProgress<CorpusStats>, IDisposable
{
    private static readonly TimeSpan s_quietFor = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan s_every = TimeSpan.FromSeconds(5);

    private readonly string _source;
    private readonly TextWriter _output;
    private readonly Lock _lock = new();
    private Stopwatch? _clock;
    private Timer? _timer;
    private CorpusStats _latest = new(0, 0, 0);
    private bool _printed;

    public TokenizingProgress(string source, TextWriter output)
    {
        _source = source;
        _output = output;
    }

    public void Report(CorpusStats value)
    {
        lock (_lock)
        {
            _latest = value;
            if (_clock is not null) return;
            _clock = Stopwatch.StartNew();
            _timer = new Timer(_ => Print(), null, s_quietFor, s_every);
        }
    }

    private void Print()
    {
        lock (_lock)
        {
            if (_clock is null) return;
            _printed = true;
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tokenizing {_source}: {_latest.Documents:N0} documents, {_latest.Characters:N0} characters, {_latest.Tokens:N0} tokens so far ({_clock.Elapsed.TotalSeconds:F0} s)"));
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            if (_printed && _clock is not null)
                _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"tokenized {_source}: {_latest.Documents:N0} documents, {_latest.Tokens:N0} tokens in {_clock.Elapsed.TotalSeconds:F0} s (cached for next time)"));
            _clock = null;
        }
    }
}
