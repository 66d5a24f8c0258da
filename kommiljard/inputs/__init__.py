"""What comes in: waiting-time panels (read and validated once, every problem reported at once),
spreadsheet exports turned into panels, population tables, and the 21 regions' codes and names."""
