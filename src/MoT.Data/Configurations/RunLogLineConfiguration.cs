using MoT.Data.Entities;
using MoT.Data.RunLogs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MoT.Data.Configurations;

internal sealed class RunLogLineConfiguration : IEntityTypeConfiguration<RunLogLine>
{
    public void Configure(EntityTypeBuilder<RunLogLine> builder)
    {
        builder.ToTable("run_log_lines");
        // Readers page by (run, sequence > n): the key is that index, and the writer's next number is its maximum.
        builder.HasKey(l => new { l.RunId, l.Sequence });
        builder.Property(l => l.Sequence).ValueGeneratedNever();
        builder.Property(l => l.Level).HasConversion<string>().HasMaxLength(16);
        builder.Property(l => l.Text).HasMaxLength(RunLogLimits.MaxLineLength);
        builder.HasOne<Run>().WithMany().HasForeignKey(l => l.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}
